"""The whole service on one machine (``make run``, ``python -m devstack``): PostgreSQL, migrations, Temporal,
the worker, the API.

Every server keeps its data in one folder (``DEVSTACK_DATA_DIR``, default ``.data``), so running it
again picks up every dispute and pending timer. API keys for local use (an operator, an intake client,
agents of each tier, a seller, the marketplace) are created on the first run and kept in
``local-keys.env`` there, and so is the key that encrypts what the stack stores in Temporal
(``payload-keys``, unless ``PAYLOAD_KEYS`` or ``PAYLOAD_KEY_FILE`` names one); the local Temporal UI
decodes through the API's ``/codec``. A few sellers (``sellers.csv`` beside this file) are put in the
directory on every start, each only if it has no entry yet, so a local change to one is kept.
Ctrl-C (or SIGTERM) stops the processes in reverse order; if one of them dies, everything stops and the
culprit is named.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import secrets
import shlex
import signal
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

from api import sellers_import
from api.auth import KeyRole, create_key, is_active
from api.seller_directory import Written
from devstack import phone_inbox
from devstack.postgres import start_embedded, stop_embedded
from devstack.processes import STOP_GRACE, Child
from devstack.settings import DEFAULT_DATA_DIR, DevStackSettings
from devstack.temporal_dev import TemporalDevServer
from infra.delivery_settings import DeliverySettings
from infra.migrate import migrate
from infra.payload_keys import write_key_file
from infra.postgres import create_pool
from infra.settings import PayloadKeySettings, Settings

ROOT = Path(__file__).resolve().parents[1]
API_HOST = "127.0.0.1"
API_START_TIMEOUT = 30.0  # seconds
KEYS_FILE = "local-keys.env"
PAYLOAD_KEY_FILE = "payload-keys"
LINK_SECRET_FILE = "customer-link-secret"  # the customers' links' secret for local use (made once)
# For local use only: (variable, role, actor id, scope). The seller is the quickstart's.
LOCAL_KEYS: tuple[tuple[str, KeyRole, str, dict[str, str | int]], ...] = (
    ("OPERATOR_KEY", KeyRole.OPERATOR, "local-operator", {}),
    ("INTAKE_KEY", KeyRole.INTAKE, "local-chat-intake", {}),
    ("AGENT1_KEY", KeyRole.AGENT, "local-agent-tier-1", {"tier": 1}),
    ("AGENT2_KEY", KeyRole.AGENT, "local-agent-tier-2", {"tier": 2}),
    ("AGENT3_KEY", KeyRole.AGENT, "local-agent-tier-3", {"tier": 3}),
    ("SELLER_KEY", KeyRole.SELLER, "local-seller-S-1001", {"seller_id": "S-1001"}),
    ("MARKETPLACE_KEY", KeyRole.MARKETPLACE, "local-seller-service", {}),
)
# The directory's local sellers: French, Arabic, English, and one with no contact at all.
SELLERS_FILE = Path(__file__).parent / "sellers.csv"
# uvicorn re-raises SIGTERM once it has shut down gracefully, so -SIGTERM is a clean exit too.
CLEAN_EXITS = (0, -signal.SIGTERM, None)


def say(message: str) -> None:
    print(f"devstack: {message}", flush=True)


def payload_key_settings(data: Path) -> PayloadKeySettings:
    """The stack's payload keys: those the environment names, else its own key file in ``data``, made
    (readable by its owner only) on the first start and kept, so a restart reads what it stored."""
    configured = PayloadKeySettings()
    if configured.payload_keys is not None or configured.payload_key_file is not None:
        return configured
    path = data / PAYLOAD_KEY_FILE
    if not path.exists():
        write_key_file(path, "local-1")
        say(f"payload key written to {path}")
    return PayloadKeySettings(payload_key_file=path)


class DevStack:
    def __init__(self, settings: DevStackSettings, stack: AsyncExitStack) -> None:
        self.settings = settings
        self.data = settings.devstack_data_dir.resolve()
        self.stack = stack
        self.children: list[Child] = []
        self.unclean: list[str] = []  # children that did not exit with code 0 when stopped
        self.keys: dict[str, str] = {}
        self.database_url = ""
        self.external_database = False  # DATABASE_URL's rather than the embedded one

    def on_exit(self, name: str, stop: Callable[[], Awaitable[int | None]]) -> None:
        """Stop ``name`` when the stack unwinds; last started, first stopped."""

        async def stop_and_check() -> None:
            say(f"stopping {name}")
            code = await stop()
            if code not in CLEAN_EXITS:
                self.unclean.append(name)
                say(f"{name} exited with code {code}")

        self.stack.push_async_callback(stop_and_check)

    async def start(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        database_url = Settings().database_url
        self.external_database = bool(database_url)
        if database_url:
            say("PostgreSQL: the one DATABASE_URL names")
        else:
            pg_dir = self.settings.postgres_dir
            database_url = await asyncio.to_thread(start_embedded, pg_dir)

            async def stop_postgres() -> None:
                await asyncio.to_thread(stop_embedded, pg_dir)

            self.on_exit("postgres", stop_postgres)
            say(f"PostgreSQL: embedded, data in {pg_dir}")
        self.database_url = database_url
        applied = await migrate(database_url)
        say(f"migrations applied: {', '.join(applied) or 'none pending'}")
        self.keys = await self.local_keys(database_url)
        payload_keys = payload_key_settings(self.data)
        await self.seed_sellers(database_url)

        temporal = TemporalDevServer(
            self.data / "temporal.db",
            port=self.settings.temporal_port,
            ui_port=self.settings.temporal_ui_port,
            log_file=self.data / "temporal.log",
            codec_endpoint=f"http://localhost:{self.settings.api_port}/codec",
        )
        await temporal.start()
        self.on_exit("temporal", temporal.stop)
        self.children.append(temporal.child)
        say(f"temporal started (pid {temporal.child.pid}), answering on {temporal.address}")

        # A local SMTP server keeps every e-mail the service sends, for a person to read.
        mail_dir = self.data / "mail"
        mailbox_argv = [
            "-m",
            "devstack.mailbox",
            "--port",
            str(self.settings.mailbox_port),
            "--dir",
            str(mail_dir),
            "--phone-port",
            str(self.settings.phone_inbox_port),
            "--phone-dir",
            str(self.data / "phone"),
        ]
        mailbox = Child("mailbox", [sys.executable, *mailbox_argv], cwd=ROOT)
        await mailbox.start()
        self.on_exit("mailbox", mailbox.stop)
        self.children.append(mailbox)
        phones = self.data / "phone"
        say(f"mailbox started (pid {mailbox.pid}), e-mail kept in {mail_dir}, WhatsApp and SMS in {phones}")

        env = {
            **os.environ,
            "TEMPORAL_ADDRESS": temporal.address,
            "TEMPORAL_NAMESPACE": temporal.namespace,
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.settings.mailbox_port),
            "SMTP_TLS": "none",
            **phone_inbox.settings(self.settings.phone_inbox_port),
            **self.customer_links(),
        }
        if payload_keys.payload_key_file is not None:
            env["PAYLOAD_KEY_FILE"] = str(payload_keys.payload_key_file)
        # The local UI cannot send an operator's key: its pages may decode without one (loopback only).
        ui = self.settings.temporal_ui_port
        codec_env = {
            "CODEC_UI_ORIGINS": f"http://localhost:{ui},http://127.0.0.1:{ui}",
            "CODEC_TRUST_LOCAL_UI": "true",
        }
        # One worker process per core by default: a Python worker uses one core, and more processes on the
        # same task queue share the disputes between them.
        workers = [
            (f"worker-{i + 1}", ["worker.py"], {"METRICS_BIND": f"127.0.0.1:{port}"})
            for i, port in enumerate(self.worker_metrics_ports)
        ]
        api_argv = ["-m", "uvicorn", "api.app:app", "--host", API_HOST, "--port", str(self.settings.api_port)]
        # A worker finishes the sends under way before it exits: give it that time, and time to exit.
        worker_grace = DeliverySettings().longest_attempt.total_seconds() + STOP_GRACE
        children = [(name, argv, own_env, worker_grace) for name, argv, own_env in workers]
        for name, argv, own_env, grace in (*children, ("api", api_argv, codec_env, STOP_GRACE)):
            child = Child(name, [sys.executable, *argv], env=env | own_env, cwd=ROOT)
            await child.start()
            self.on_exit(name, functools.partial(child.stop, grace))
            self.children.append(child)
            say(f"{name} started (pid {child.pid})")
        await self.wait_for_api()

    def customer_links(self) -> dict[str, str]:
        """What the API and the workers need for the customers' private links, unless the environment
        says: a secret made on the first run and kept in the data folder (so links keep working across
        runs), and the address the API answers at."""
        path = self.data / LINK_SECRET_FILE
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return {
            "CUSTOMER_LINK_SECRET": os.environ.get("CUSTOMER_LINK_SECRET") or path.read_text().strip(),
            "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL")
            or f"http://localhost:{self.settings.api_port}",
        }

    @property
    def worker_metrics_ports(self) -> list[int]:
        first = self.settings.worker_metrics_port
        return list(range(first, first + self.settings.workers))

    async def local_keys(self, database_url: str) -> dict[str, str]:
        """The local keys: those kept from an earlier run if still valid, the others created now."""
        path = self.data / KEYS_FILE
        kept: dict[str, str] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                name, _, value = line.removeprefix("export ").partition("=")
                if value:
                    kept[name.strip()] = value.strip()
        pool = await create_pool(database_url, max_size=1)
        try:
            keys: dict[str, str] = {}
            for name, role, actor_id, scope in LOCAL_KEYS:
                token = kept.get(name)
                if token is None or not await is_active(pool, token):
                    _, token = await create_key(pool, role, actor_id, label="local stack", **scope)  # type: ignore[arg-type]
                keys[name] = token
        finally:
            await pool.close()
        if keys != kept:
            path.write_text("".join(f"export {name}={token}\n" for name, token in keys.items()))
            path.chmod(0o600)
            say(f"local API keys written to {path}")
        return keys

    async def seed_sellers(self, database_url: str) -> sellers_import.Report:
        """Put the local sellers in the directory, each only if it has no entry yet."""
        report = sellers_import.parse(await asyncio.to_thread(SELLERS_FILE.read_bytes))
        pool = await create_pool(database_url, max_size=1)
        try:
            await sellers_import.write(pool, report, by="local stack", replace=False)
        finally:
            await pool.close()
        counts = ", ".join(f"{report.written[w]} {w.value}" for w in Written)
        say(f"seller directory: {len(report.rows)} local sellers ({counts})")
        return report

    async def wait_for_api(self) -> None:
        """Return once the API accepts connections (or has died: supervising reports that)."""
        api = self.children[-1]
        deadline = asyncio.get_running_loop().time() + API_START_TIMEOUT
        while api.returncode is None:
            try:
                _, writer = await asyncio.open_connection(API_HOST, self.settings.api_port)
            except OSError:
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"the API did not listen on port {self.settings.api_port}") from None
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return

    def key_command(self, *args: str) -> str:
        """``python -m devstack keys ...`` for this stack, as typed in the checkout (``devstack`` is no
        installed package): with this interpreter, and the data folder if it is not the default."""
        python = Path(sys.executable)
        python = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python
        command = shlex.join([str(python), "-m", "devstack", "keys", *args])
        if self.data == DEFAULT_DATA_DIR.resolve():
            return command
        return f"DEVSTACK_DATA_DIR={shlex.quote(str(self.data))} {command}"

    def print_banner(self) -> None:
        api = f"http://localhost:{self.settings.api_port}"
        ports = self.worker_metrics_ports
        workers = f"http://127.0.0.1:{ports[0]}/metrics (worker)"
        if len(ports) > 1:
            workers = f"http://127.0.0.1:{ports[0]}-{ports[-1]}/metrics ({len(ports)} workers, a port each)"
        create_key = self.key_command("create", "--role", "agent", "--tier", "2", "--id", "agent-7")
        database = "with this DATABASE_URL" if self.external_database else "no DATABASE_URL needed"
        print(
            f"\n  API          {api}\n"
            f"  API docs     {api}/docs and {api}/redoc (served by the API: no internet needed)\n"
            f"  metrics      {api}/metrics (API) · {workers}\n"
            f"  Temporal UI  http://localhost:{self.settings.temporal_ui_port}/namespaces/default/workflows\n"
            f"  Temporal     localhost:{self.settings.temporal_port} (gRPC, namespace default)\n"
            f"  database     {_without_password(self.database_url)}\n"
            f"  data         {self.data} (postgres/, temporal.db; Temporal's log: temporal.log)\n"
            f"  e-mail sent  {self.data / 'mail'} (.eml files; SMTP on port {self.settings.mailbox_port})\n"
            f"  phone sent   {self.data / 'phone'} (whatsapp/, sms/: .json files;"
            f" HTTP on port {self.settings.phone_inbox_port})\n"
            f"  operator key {self.keys.get('OPERATOR_KEY', '(none)')}\n"
            f"  all local keys (operator, intake, agents of tiers 1-3, seller S-1001, marketplace):\n"
            f"               source {self.data / KEYS_FILE}\n"
            f"  more keys    {create_key}\n"
            f"               (and keys list, keys revoke <key id>; in {ROOT}, {database})\n"
            "  Ctrl-C stops everything; running again picks up where it left off.\n",
            flush=True,
        )

    async def supervise(self, stop: asyncio.Event) -> Child | None:
        """Wait for a stop signal or a child's death; return the child that died, if any."""
        exits = {asyncio.create_task(child.wait()): child for child in self.children}
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([*exits, stopping], return_when=asyncio.FIRST_COMPLETED)
        for task in [*exits, stopping]:
            task.cancel()
        return next((exits[task] for task in done if task in exits), None)


def _without_password(url: str) -> str:
    """A database URL fit to print: a password given in it (never the embedded server's) as ``***``."""
    return re.sub(r"^(\w+://[^:/@]*):[^@/]+@", r"\1:***@", url)


async def main() -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async with AsyncExitStack() as stack:
        devstack = DevStack(DevStackSettings(), stack)
        # Starting is a task so that Ctrl-C during a slow start stops what has started so far.
        starting = asyncio.create_task(devstack.start())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([starting, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not starting.done():
            say("interrupted while starting")
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            return 0
        if (error := starting.exception()) is not None:
            say(f"could not start: {type(error).__name__}: {error}")
            return 1

        devstack.print_banner()
        died = await devstack.supervise(stop)
        if died is not None:
            say(f"{died.name} exited unexpectedly with code {died.returncode}; stopping everything")
            if died.log_file is not None:
                say(f"its log: {died.log_file}")
    if died is not None or devstack.unclean:
        return 1
    say("stopped")
    return 0
