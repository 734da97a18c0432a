"""Manage API keys against ``DATABASE_URL``.

python -m api.keys create --role agent --tier 2 --id agent-7   # prints the key, once
python -m api.keys create --role seller --seller-id S-1001 --id seller-S-1001
python -m api.keys revoke <key id>
python -m api.keys list

The local stack offers the same commands as ``python -m devstack keys``, which finds its database.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from api.auth import KeyRole, create_key, list_keys, revoke_key
from infra.postgres import create_pool
from infra.settings import Settings

PROG = "python -m api.keys"


def parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The command line; ``prog`` names it in help and errors, for a tool offering the same commands."""
    cli = argparse.ArgumentParser(prog=prog, description="Manage the API's keys.")
    commands = cli.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it (it is shown only once)")
    create.add_argument("--role", required=True, choices=[r.value for r in KeyRole])
    create.add_argument("--id", required=True, dest="actor_id", help="the actor id recorded in histories")
    create.add_argument("--tier", type=int, choices=(1, 2, 3), help="an agent's tier")
    create.add_argument("--seller-id", help="a seller key's seller")
    create.add_argument("--label", help="a note, e.g. which system uses the key")
    revoke = commands.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    commands.add_parser("list", help="list keys (ids, roles, actors; never secrets)")
    return cli


async def run(argv: Sequence[str], database_url: str) -> int:
    """The command line ``argv`` (without the program name) against ``database_url``."""
    args = parser().parse_args(argv)
    pool = await create_pool(database_url, max_size=1)
    try:
        if args.command == "create":
            try:
                key, token = await create_key(
                    pool,
                    KeyRole(args.role),
                    args.actor_id,
                    tier=args.tier,
                    seller_id=args.seller_id,
                    label=args.label,
                )
            except ValueError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            print(f"created key {key.key_id} ({key.role.value}, acting as {key.actor_id})", file=sys.stderr)
            print("the key is shown only now; keep it secret:", file=sys.stderr)
            print(token)
            return 0
        if args.command == "revoke":
            if await revoke_key(pool, args.key_id):
                print(f"revoked key {args.key_id}")
                return 0
            print(f"error: no active key {args.key_id}", file=sys.stderr)
            return 1
        for key in await list_keys(pool):
            scope = f"tier {key.tier}" if key.tier else (f"seller {key.seller_id}" if key.seller_id else "")
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            print(f"{key.key_id}  {key.role.value:<8} {scope:<16} {key.actor_id:<24} {state}")
        return 0
    finally:
        await pool.close()


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser().parse_args(argv)  # --help and usage errors before anything else
    database_url = Settings().database_url
    if not database_url:
        print(
            "DATABASE_URL is not set: point it at the service's PostgreSQL"
            " (for the local stack of `make run`: python -m devstack keys ...).",
            file=sys.stderr,
        )
        return 2
    return asyncio.run(run(argv, database_url))


if __name__ == "__main__":
    sys.exit(main())
