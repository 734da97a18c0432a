"""The real Temporal dev server (``temporal server start-dev``) as a child process.

State is kept in a SQLite file, so stopping and starting it again on the same file keeps every
workflow and pending timer. Our search attributes are registered on every start (doing so again
on an existing file is harmless).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey
from temporalio.converter import DataConverter

from devstack.binaries import find_binary
from devstack.processes import STOP_GRACE, Child, port_taken
from infra.settings import Settings
from infra.temporal import connect
from workflows.search_attributes import ALL

_CLI_TYPES = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


class TemporalDevServerError(RuntimeError):
    pass


class TemporalDevServer:
    """``async with TemporalDevServer(db_file, port=..., ui_port=None) as server: server.address``.

    ``ui_port=None`` runs it headless (tests). Entering returns once a client can use the namespace.
    ``codec_endpoint``: where its UI decodes payloads (the API's ``/codec``). ``client`` is an admin's:
    readiness, search attributes; it reads no payloads, so it has no keys.
    """

    def __init__(
        self,
        db_file: Path,
        *,
        port: int = 7233,
        ui_port: int | None = 8233,
        ip: str = "127.0.0.1",
        namespace: str = "default",
        search_attributes: Sequence[SearchAttributeKey[Any]] = ALL,
        log_file: Path | None = None,
        ready_timeout: float = 30.0,
        codec_endpoint: str | None = None,
    ) -> None:
        self.db_file = db_file
        self.port = port
        self.ui_port = ui_port
        self.ip = ip
        self.namespace = namespace
        self.search_attributes = tuple(search_attributes)
        self.ready_timeout = ready_timeout
        self.codec_endpoint = codec_endpoint
        self.child = Child("temporal", self.command(), log_file=log_file)
        self._client: Client | None = None

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        return None if self.ui_port is None else f"http://localhost:{self.ui_port}"

    @property
    def client(self) -> Client:
        if self._client is None:
            raise RuntimeError("the Temporal dev server is not started")
        return self._client

    def command(self) -> list[str]:
        argv = [
            find_binary("temporal"), "server", "start-dev",
            "--db-filename", str(self.db_file),
            "--ip", self.ip,
            "--port", str(self.port),
            "--namespace", self.namespace,
            "--log-level", "warn",
            # SQLite's write-ahead log, synced at checkpoints rather than at every commit: a crash of the
            # server loses nothing, a power cut the last moments. Without it every history write waits
            # for the disk, and the server, not the workers, limits the stack (24 workflows/s against 53).
            "--sqlite-pragma", "journal_mode=wal",
            "--sqlite-pragma", "synchronous=normal",
        ]  # fmt: skip
        if self.ui_port is None:
            argv.append("--headless")
        else:
            # The UI would otherwise fetch a news feed from the internet.
            argv += ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
            if self.codec_endpoint is not None:
                argv += ["--ui-codec-endpoint", self.codec_endpoint]
        for key in self.search_attributes:
            argv += ["--search-attribute", f"{key.name}={_CLI_TYPES[key.indexed_value_type]}"]
        return argv

    async def start(self) -> None:
        # Otherwise a server left running would answer our readiness check in this one's place.
        for port in (self.port, self.ui_port):
            if port is not None and port_taken(port, self.ip):
                raise TemporalDevServerError(f"port {port} is taken: is another Temporal server running?")
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        await self.child.start()
        try:
            self._client = await self._wait_ready()
        except BaseException:
            await self.child.stop()
            raise

    async def stop(self, grace: float = STOP_GRACE) -> int:
        self._client = None
        return await self.child.stop(grace)

    async def _wait_ready(self) -> Client:
        settings = Settings(temporal_address=self.address, temporal_namespace=self.namespace)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ready_timeout
        last_error: Exception | None = None
        while loop.time() < deadline:
            if self.child.returncode is not None:
                raise TemporalDevServerError(
                    f"the Temporal dev server exited with code {self.child.returncode} while starting\n"
                    + self.child.log_tail()
                )
            try:
                client = await asyncio.wait_for(connect(settings, converter=DataConverter.default), timeout=5)
                # The frontend may answer before the namespace is usable: wait for both.
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace=self.namespace), timeout=timedelta(seconds=5)
                )
                return client
            except Exception as error:  # refused, unavailable, timed out: not up yet
                last_error = error
                await asyncio.sleep(0.1)
        raise TemporalDevServerError(
            f"the Temporal dev server did not answer on {self.address} within {self.ready_timeout:.0f} s "
            f"({last_error})\n" + self.child.log_tail()
        )

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
