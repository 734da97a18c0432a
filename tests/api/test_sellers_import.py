"""The directory's CSV import, as an operator runs it: good rows imported, bad ones reported by line,
seller, field and reason (never a value), and the same file again changing nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from api.sellers_import import FileProblem, parse

ROOT = Path(__file__).resolve().parents[2]
HEADER = "seller_id,name,email,phone,language,customer_name,customer_email,customer_phone,webhook_url\n"


def importing(path: Path, database_url: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.sellers_import", *options, str(path)],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_good_rows_are_imported_bad_ones_reported_and_a_second_run_changes_nothing(
    tmp_path: Path, database_url: str, pg_pool: asyncpg.Pool
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    arabic, bare, bad = f"S-{run}-AR", f"S-{run}-BARE", f"S-{run}-BAD"
    path = tmp_path / "sellers.csv"
    path.write_text(
        "\ufeff" + HEADER
        + f'{arabic},"Souk Nour, Fès",nour@souk-nour.ma,06 61 40 61 36,ar,Souk Nour,service@souk-nour.ma,'
        "05 22 00 00 00,https://souk-nour.ma/hooks\n"
        + f"{bare},Bare Shop,,,,,,,\n"
        + "\n"
        + f"{bad},Bad Shop,hidden-owner@,,fr,,,,\n"
        + f"{arabic},Again,,,,,,,\n"
        + ",No Id,,,,,,,\n",
        encoding="utf-8",
    )  # fmt: skip

    first = importing(path, database_url)

    assert first.returncode == 1, first.stderr  # some rows refused
    assert first.stdout.splitlines() == [
        f"line 5, seller {bad}: email: Value error, not a valid e-mail address; write it as name@example.ma",
        f"line 6, seller {arabic}: seller_id: appears again (first on line 2); one row per seller",
        "line 7: seller_id: required",
        "imported 2 rows (2 created, 0 updated, 0 unchanged); refused 3 rows",
    ]
    assert "hidden-owner" not in first.stdout + first.stderr
    row = await pg_pool.fetchrow("SELECT * FROM sellers WHERE seller_id = $1", arabic)
    assert row is not None
    assert (row["name"], row["email"], row["phone"], row["language"]) == (
        "Souk Nour, Fès", "nour@souk-nour.ma", "+212661406136", "ar",
    )  # fmt: skip
    assert (row["customer_name"], row["customer_email"], row["customer_phone"], row["webhook_url"]) == (
        "Souk Nour", "service@souk-nour.ma", "+212522000000", "https://souk-nour.ma/hooks",
    )  # fmt: skip
    assert row["directory_updated_by"] == "import"
    bare_row = await pg_pool.fetchrow("SELECT name, email, language FROM sellers WHERE seller_id = $1", bare)
    assert bare_row is not None and tuple(bare_row) == ("Bare Shop", None, "fr")
    assert await pg_pool.fetchval("SELECT count(*) FROM sellers WHERE seller_id = $1", bad) == 0
    stamp = row["directory_updated_at"]

    again = importing(path, database_url)

    summary = again.stdout.splitlines()[-1]
    assert summary == "imported 2 rows (0 created, 0 updated, 2 unchanged); refused 3 rows"
    assert await pg_pool.fetchval(
        "SELECT directory_updated_at FROM sellers WHERE seller_id = $1", arabic
    ) == stamp  # fmt: skip


async def test_a_changed_file_updates_the_entries_it_changes(
    tmp_path: Path, database_url: str, pg_pool: asyncpg.Pool
) -> None:
    seller = f"S-{uuid.uuid4().hex[:6]}"
    path = tmp_path / "sellers.csv"
    path.write_text(f"seller_id,name,language\n{seller},Atlas,fr\n")
    assert importing(path, database_url).returncode == 0
    path.write_text(f"seller_id,name,language\n{seller},Atlas,en\n")
    changed = importing(path, database_url)
    assert changed.returncode == 0 and "(0 created, 1 updated, 0 unchanged)" in changed.stdout
    assert await pg_pool.fetchval("SELECT language FROM sellers WHERE seller_id = $1", seller) == "en"


def test_check_only_needs_no_database(tmp_path: Path) -> None:
    path = tmp_path / "sellers.csv"
    path.write_text("seller_id,name,phone\nS-1,Atlas,0123 not a phone\nS-2,Nour,\n")
    checked = subprocess.run(
        [sys.executable, "-m", "api.sellers_import", "--check", str(path)],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[0].startswith("line 2, seller S-1: phone: Value error, not a valid")
    assert checked.stdout.splitlines()[-1] == "checked: 1 rows would be imported; refused 1 rows"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"seller_id,name,shoe_size\n", "unknown columns shoe_size"),
        (b"seller_id,email\n", "missing columns name"),
        (b"seller_id,name,name\n", "columns named twice: name"),
        (b"seller_id,name\nS-1,F\xe8s\n", "not UTF-8 (line 2)"),
    ],
)
def test_a_file_that_cannot_be_read_imports_nothing(content: bytes, problem: str) -> None:
    with pytest.raises(FileProblem, match=re.escape(problem)):
        parse(content)


def test_rows_are_numbered_as_the_file_shows_them() -> None:
    report = parse(b'seller_id,name\nS-1,"two\nlines"\nS-2,Nour,extra\nS-3\x01,X\n')
    assert [str(r) for r in report.refused] == [
        "line 4: row: 3 cells where the header names 2",
        "line 5: seller_id: contains a control character (U+0001) at position 4: remove it"
        " (text may hold any printable character, newlines and tabs)",
    ]
    assert [(row.line, row.seller_id) for row in report.rows] == [(2, "S-1")]
