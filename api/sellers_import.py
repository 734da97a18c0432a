"""Load sellers into the directory from a CSV file: the first load, and any later bulk change.

python -m api.sellers_import sellers.csv           # DATABASE_URL names the service's PostgreSQL
python -m api.sellers_import --check sellers.csv   # only check the rows; no database needed

The first line names the columns: ``seller_id`` and ``name`` are required; ``email``, ``phone``,
``language`` (``fr``, ``ar``, ``en``; ``fr`` when empty), ``customer_name``, ``customer_email``,
``customer_phone`` and ``webhook_url`` may be left out or empty. UTF-8 (with or without a byte-order mark),
comma-separated, quoted as spreadsheets write it.

Each row is checked as ``PUT /sellers/{id}`` checks its body, and written as it writes: the whole entry,
so the same file again changes nothing. A row that does not pass is reported and skipped; the others are
imported. The report names each refused row by its line, its seller id, the field and the reason, never
a value: the file is full of personal details. Exit status: 0 every row imported, 1 some refused, 2 the
file could not be read (nothing imported).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from pydantic import ValidationError

from api import seller_directory, text
from api.directory import SellerDirectoryBody
from api.seller_directory import Written
from infra.postgres import create_pool
from infra.settings import Settings

PROG = "python -m api.sellers_import"
REQUIRED = ("seller_id", "name")
COLUMNS = (*REQUIRED, "email", "phone", "language", "customer_name", "customer_email", "customer_phone",
           "webhook_url")  # fmt: skip
_FACING = {"customer_name": "name", "customer_email": "email", "customer_phone": "phone"}
_ID_LENGTH = 128  # as the API's path takes it


class FileProblem(Exception):
    """The file as a whole cannot be imported (not UTF-8, columns missing or unknown)."""


@dataclass(frozen=True)
class Refused:
    line: int
    seller_id: str | None  # None when the id itself is what is wrong
    field: str
    reason: str

    def __str__(self) -> str:
        seller = f", seller {self.seller_id}" if self.seller_id else ""
        return f"line {self.line}{seller}: {self.field}: {self.reason}"


@dataclass(frozen=True)
class Row:
    line: int
    seller_id: str
    entry: SellerDirectoryBody


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)  # the rows that passed, in file order
    refused: list[Refused] = field(default_factory=list)
    written: Counter[Written] = field(default_factory=Counter)

    def summary(self) -> str:
        counts = ", ".join(f"{self.written[w]} {w.value}" for w in Written)
        return f"imported {len(self.rows)} rows ({counts}); refused {len(self.refused)} rows"


def parse(data: bytes) -> Report:
    """Check every row of a CSV file; FileProblem if the file as a whole cannot be read."""
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileProblem(f"not UTF-8 (line {line}): save the file as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(content, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    _check_header(header)
    report, first_line = Report(), dict[str, int]()
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1  # a quoted cell may span lines: a row starts where it starts
        if not any(cell.strip() for cell in cells):
            continue
        found = _row(start, header, cells)
        if isinstance(found, Refused):
            report.refused.append(found)
        elif found.seller_id in first_line:
            again = f"appears again (first on line {first_line[found.seller_id]}); one row per seller"
            report.refused.append(Refused(start, found.seller_id, "seller_id", again))
        else:
            first_line[found.seller_id] = start
            report.rows.append(found)
    return report


def _check_header(header: list[str]) -> None:
    if not header:
        raise FileProblem("the file is empty: its first line must name the columns")
    unknown = [text.printable(name) for name in header if name not in COLUMNS]
    if unknown:
        raise FileProblem(f"unknown columns {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}")
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise FileProblem(f"columns named twice: {', '.join(twice)}")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FileProblem(f"missing columns {', '.join(missing)} (required)")


def _row(line: int, header: list[str], cells: list[str]) -> Row | Refused:
    if len(cells) != len(header):
        return Refused(line, None, "row", f"{len(cells)} cells where the header names {len(header)}")
    values = {name: cell.strip() for name, cell in zip(header, cells, strict=True) if cell.strip()}
    seller_id = values.pop("seller_id", "")
    problem = text.problem(seller_id) if seller_id else "required"
    if problem is None and len(seller_id) > _ID_LENGTH:
        problem = f"longer than {_ID_LENGTH} characters"
    if problem is not None:
        return Refused(line, None, "seller_id", problem)
    facing = {_FACING[name]: values.pop(name) for name in list(values) if name in _FACING}
    try:
        entry = SellerDirectoryBody.model_validate(values | ({"customer_contact": facing} if facing else {}))
    except ValidationError as error:
        first = error.errors()[0]
        return Refused(line, seller_id, _column(first["loc"]), text.printable(first["msg"]))
    return Row(line, seller_id, entry)


def _column(loc: tuple[int | str, ...]) -> str:
    """The file's column for a field of the body (``customer_contact.email`` is ``customer_email``)."""
    if len(loc) > 1 and loc[0] == "customer_contact":
        return f"customer_{loc[1]}"
    return str(loc[0]) if loc else "row"


async def write(pool: asyncpg.Pool, report: Report, *, by: str = "import", replace: bool = True) -> Report:
    """Write the rows that passed, each as ``PUT /sellers/{id}`` does; ``replace=False`` leaves a seller
    that already has a directory entry as it is (counted unchanged)."""
    for row in report.rows:
        report.written[await seller_directory.put(pool, row.seller_id, row.entry, by, replace=replace)] += 1
    return report


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog=PROG, description="Load sellers into the directory from a CSV file.")
    cli.add_argument("file", type=Path, help="the CSV file (UTF-8; first line: the column names)")
    cli.add_argument("--check", action="store_true", help="check the rows and report; write nothing")
    return cli


async def run(report: Report, database_url: str | None) -> int:
    """Print the refused rows, import the others into ``database_url`` (None: check only), summarise."""
    for refused in report.refused:
        print(refused)
    if database_url is None:
        print(f"checked: {len(report.rows)} rows would be imported; refused {len(report.refused)} rows")
    else:
        pool = await create_pool(database_url, max_size=1)
        try:
            await write(pool, report)
        finally:
            await pool.close()
        print(report.summary())
    return 1 if report.refused else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    database_url = None if args.check else Settings().database_url
    if not args.check and not database_url:
        print(
            "DATABASE_URL is not set: point it at the service's PostgreSQL (or --check the file only).",
            file=sys.stderr,
        )
        return 2
    try:
        report = parse(args.file.read_bytes())
    except (OSError, FileProblem) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        print(f"error: {args.file}: {reason}", file=sys.stderr)
        return 2
    return asyncio.run(run(report, database_url))


if __name__ == "__main__":
    sys.exit(main())
