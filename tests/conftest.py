"""Shared fixtures: a real, migrated PostgreSQL for the test session; the test-only payload key.

With ``DATABASE_URL`` set, the tests use that database as it is (migrating it), so they can run against
a shared server: each test makes its own ids, nothing is truncated. Without it, an embedded server
starts in a temporary folder, holds a fresh database for the session, and is deleted at the end.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from devstack.postgres import start_embedded, stop_embedded
from infra.delivery_settings import DeliverySettings
from infra.migrate import migrate
from infra.postgres import create_pool, with_database
from tests.delivery.servers import WEBHOOK_SECRET, HttpReceiver, SmtpSink
from tests.payload_keys import TEST_PAYLOAD_KEYS

# Every client, worker and stack the tests make encrypts with the test-only key, whatever the machine's.
os.environ["PAYLOAD_KEYS"] = TEST_PAYLOAD_KEYS
os.environ.pop("PAYLOAD_KEY_FILE", None)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A DSN of the server the session uses: ``DATABASE_URL``, or an embedded one made for it."""
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="disputes-test-pg-") as folder:
        data_dir = Path(folder) / "data"
        url = start_embedded(data_dir, cleanup="delete")
        try:
            yield url
        finally:
            stop_embedded(data_dir)


@pytest.fixture(scope="session")
async def database_url(postgres_server_url: str) -> str:
    """A migrated database for the session's tests."""
    if os.environ.get("DATABASE_URL"):
        url = postgres_server_url
    else:
        name = f"disputes_test_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(postgres_server_url)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        url = with_database(postgres_server_url, name)
    await migrate(url)
    return url


@pytest.fixture(scope="session")
async def pg_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, max_size=20)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture(scope="session")
async def mail_server() -> AsyncIterator[SmtpSink]:
    """A real SMTP server in the test process that keeps every message workers send."""
    async with SmtpSink() as sink:
        yield sink


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpSink]:
    """A real SMTP server of the test's own, so it sees only that test's messages."""
    async with SmtpSink() as sink:
        yield sink


@pytest.fixture
async def receiver() -> AsyncIterator[HttpReceiver]:
    """A real HTTP receiver that checks each webhook's signature, as a seller portal would."""
    async with HttpReceiver(WEBHOOK_SECRET) as server:
        yield server


@pytest.fixture(scope="session")
def delivery_settings(mail_server: SmtpSink) -> DeliverySettings:
    """E-mail to the session's SMTP server; no webhooks (their tests configure their own)."""
    return DeliverySettings(
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        smtp_tls="none",
        seller_webhook_url=None,
        alerts_webhook_url=None,
    )
