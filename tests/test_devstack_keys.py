"""The local stack's API keys: created on the first run, kept and reused, replaced if revoked; more made
with the command its banner prints."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from pathlib import Path

import asyncpg
import httpx

from api.auth import is_active, parse, revoke_key
from api.seller_directory import Written
from devstack.processes import free_port
from devstack.settings import DevStackSettings
from devstack.stack import KEYS_FILE, LOCAL_KEYS, DevStack
from tests.test_devstack import ROOT, devstack, interrupt, wait_until_up

PORTS = ("API_PORT", "TEMPORAL_PORT", "TEMPORAL_UI_PORT", "MAILBOX_PORT", "WORKER_METRICS_PORT")


async def test_local_keys_are_created_once_and_replaced_when_revoked(
    tmp_path: Path, database_url: str, pg_pool: asyncpg.Pool
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        devstack = DevStack(DevStackSettings(devstack_data_dir=tmp_path), stack)
        first = await devstack.local_keys(database_url)
        assert list(first) == [name for name, *_ in LOCAL_KEYS]
        assert all([await is_active(pg_pool, token) for token in first.values()])
        path = tmp_path / KEYS_FILE
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.read_text().startswith("export OPERATOR_KEY=j24_")

        assert await devstack.local_keys(database_url) == first  # kept across runs

        revoked = parse(first["AGENT2_KEY"])
        assert revoked is not None
        await revoke_key(pg_pool, revoked[0])
        again = await devstack.local_keys(database_url)
        assert again["AGENT2_KEY"] != first["AGENT2_KEY"]
        assert {k: v for k, v in again.items() if k != "AGENT2_KEY"} == {
            k: v for k, v in first.items() if k != "AGENT2_KEY"
        }


async def test_the_key_command_the_banner_prints_works_as_printed(tmp_path: Path) -> None:
    """With ``make run`` going, the printed command makes a key the API accepts, with no DATABASE_URL;
    with it stopped, the command starts the stack's database for itself and stops it again."""
    data_dir, log_file = tmp_path / "data", tmp_path / "devstack.log"
    ports = {name: free_port() for name in PORTS}
    async with devstack(data_dir, log_file, ports) as stack:
        await wait_until_up(stack, ports)
        banner = await banner_of(log_file)
        socket_dir = data_dir.resolve() / "postgres"
        assert f"  database     postgresql://postgres:@/postgres?host={socket_dir}\n" in banner
        found = re.search(r"^  more keys    (.+ keys) (create .+)$", banner, re.MULTILINE)
        assert found is not None, banner
        keys, create = found.groups()

        token = (await shell(f"{keys} {create}")).strip()
        assert token.startswith("j24_")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['API_PORT']}") as http:
            try:
                response = await http.get("/disputes", headers={"X-API-Key": token})
            except httpx.ConnectError as error:  # seen once under load: say what the stack was doing
                raise AssertionError(f"the API stopped answering:\n{stack.log_tail()}") from error
        assert response.status_code == 200, response.text  # an agent's key: it may list disputes
        key_id = token.split("_")[1]
        assert f"{key_id}  agent    tier 2" in await shell(f"{keys} list")
        await interrupt(stack, log_file, data_dir)  # the command left the stack's database to it

    assert key_id in await shell(f"{keys} list")
    assert not (socket_dir / "postmaster.pid").exists(), "the command left PostgreSQL running"


async def banner_of(log_file: Path) -> str:
    """The stack's output once its banner is out (it follows the API's first answer closely)."""
    for _ in range(50):
        output = await asyncio.to_thread(log_file.read_text)
        if "Ctrl-C stops everything" in output:
            return output
        await asyncio.sleep(0.1)
    raise AssertionError(f"no banner:\n{output}")


async def shell(command: str) -> str:
    """``command`` as a person types it in the checkout, in a shell without DATABASE_URL; its output."""
    unset = ("DATABASE_URL", "DEVSTACK_DATA_DIR")  # the command names the data folder itself
    env = {key: value for key, value in os.environ.items() if key not in unset}
    done = await asyncio.create_subprocess_shell(
        command, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(done.communicate(), 60)
    assert done.returncode == 0, f"{command}: {err.decode()}"
    return out.decode()


async def test_local_sellers_are_seeded_once_and_a_local_change_is_kept(
    tmp_path: Path, database_url: str, pg_pool: asyncpg.Pool
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        devstack = DevStack(DevStackSettings(devstack_data_dir=tmp_path), stack)
        report = await devstack.seed_sellers(database_url)
        assert not report.refused
        rows = await pg_pool.fetch(
            "SELECT seller_id, language, email, phone, customer_email, customer_phone FROM sellers"
            " WHERE seller_id = ANY ($1) ORDER BY seller_id",
            [row.seller_id for row in report.rows],
        )
        languages = {row["seller_id"]: row["language"] for row in rows}
        assert set(languages.values()) == {"fr", "ar", "en"}
        no_contact = [row["seller_id"] for row in rows if not any(row[c] for c in list(row.keys())[2:])]
        assert no_contact, "one local seller has no contact at all"

        await pg_pool.execute("UPDATE sellers SET language = 'en' WHERE seller_id = 'S-1002'")
        again = await devstack.seed_sellers(database_url)
        assert set(again.written) == {Written.UNCHANGED}
        assert await pg_pool.fetchval("SELECT language FROM sellers WHERE seller_id = 'S-1002'") == "en"
