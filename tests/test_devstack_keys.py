"""The local stack's API keys: created on the first run, kept and reused, replaced if revoked."""

from __future__ import annotations

import contextlib
from pathlib import Path

import asyncpg

from api.auth import is_active, parse, revoke_key
from devstack.settings import DevStackSettings
from devstack.stack import KEYS_FILE, LOCAL_KEYS, DevStack


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
