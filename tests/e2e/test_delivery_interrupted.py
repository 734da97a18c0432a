"""Sends against a slow SMTP server, by the real ``python worker.py`` on a task queue of the test's own.

SIGTERM mid-send: the worker finishes the sends under way before it exits, and each e-mail arrives once.
``kill -9``: nothing can finish the send, so it is sent again, with the same Message-ID, within seconds.
An action on a dispute whose opening's e-mail waits on the server is answered without waiting for it.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from temporalio.client import Client, WorkflowHandle

from devstack.processes import STOP_GRACE, Child
from infra.delivery_settings import DeliverySettings
from tests.delivery.servers import SmtpSink
from tests.e2e.conftest import ROOT, wait_until_polling, worker_env
from tests.factories import dispute_input
from workflows.actions import EscalateAction
from workflows.dispute import DisputeWorkflow
from workflows.models import Actor, Channel, Role
from workflows.options import FIRST_ATTEMPT_TIMEOUT

# Seconds. The mail server answers DATA after SLOW_ANSWER: longer than the 10 s workers were given to
# stop, shorter than SMTP_TIMEOUT, so a send that is waited for goes through.
SLOW_ANSWER = 12.0
SMTP_TIMEOUT = 20.0
WEBHOOK_TIMEOUT = 1.0  # no webhooks here; it still counts in the worker's grace
GRACE = DeliverySettings(smtp_timeout=SMTP_TIMEOUT, webhook_timeout=WEBHOOK_TIMEOUT).longest_attempt
ARRIVAL = 60.0  # for a worker to start and a dispute's e-mail to reach the server, on a busy machine
RESENT_WITHIN = 45.0  # after a kill -9: a heartbeat timeout and a retry, not a 2-minute lease


class Workers:
    """Starts ``python worker.py`` processes on the test's task queue; stops what is left at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.task_queue = env["TASK_QUEUE"]
        self.started: list[Child] = []

    async def start(self) -> Child:
        name = f"worker-{len(self.started) + 1}"
        child = Child(name, [sys.executable, "worker.py"], env=self.env, cwd=ROOT, log_file=self.logs / name)
        self.started.append(child)
        await child.start()
        return child

    def log_tails(self) -> str:
        return "\n".join(f"--- {child.name}\n{child.log_tail()}" for child in self.started)


@pytest.fixture
async def workers(
    temporal_dev_server: str, database_url: str, smtp: SmtpSink, tmp_path: Path
) -> AsyncIterator[Workers]:
    env = worker_env(
        temporal_dev_server,
        database_url,
        smtp,
        TASK_QUEUE=f"interrupted-{uuid.uuid4().hex[:8]}",
        SMTP_TIMEOUT=str(SMTP_TIMEOUT),
        WEBHOOK_TIMEOUT=str(WEBHOOK_TIMEOUT),
    )
    workers = Workers(env, tmp_path)
    try:
        yield workers
    finally:
        for child in workers.started:
            await child.stop(GRACE.total_seconds() + STOP_GRACE)


async def until(check: Callable[[], Awaitable[bool]], what: str, within: float, workers: Workers) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, f"{what}: not within {within} s\n{workers.log_tails()}"
        await asyncio.sleep(0.2)


def mails(smtp: SmtpSink, n: int) -> Callable[[], Awaitable[bool]]:
    async def at_least() -> bool:
        return len(smtp.mails) >= n

    return at_least


async def open_disputes(client: Client, workers: Workers, n: int) -> list[WorkflowHandle[Any, Any]]:
    """Disputes opened by e-mail: each sends the customer one e-mail, its acknowledgement."""
    handles = []
    for _ in range(n):
        dispute = dispute_input(prefix="interrupted-", channel=Channel.EMAIL)
        handles.append(
            await client.start_workflow(
                DisputeWorkflow.run,
                dispute,
                id=f"dispute-{dispute.dispute_id}",
                task_queue=workers.task_queue,
            )
        )
    return handles


async def acknowledgements(pg_pool: asyncpg.Pool, handles: list[WorkflowHandle[Any, Any]]) -> dict[str, str]:
    """Each dispute's acknowledgement row: its Message-ID and status."""
    ids = [handle.id.removeprefix("dispute-") for handle in handles]
    rows = await pg_pool.fetch(
        "SELECT message_id, status FROM notifications"
        " WHERE dispute_id = ANY($1) AND kind = 'acknowledgement'",
        ids,
    )
    return {row["message_id"]: row["status"] for row in rows}


async def test_a_worker_stopped_mid_send_finishes_it_and_nothing_is_sent_twice(
    temporal_client: Client, workers: Workers, smtp: SmtpSink, pg_pool: asyncpg.Pool
) -> None:
    smtp.delays = {"DATA": SLOW_ANSWER}
    first = await workers.start()
    await wait_until_polling(temporal_client, first, workers.task_queue)
    handles = await open_disputes(temporal_client, workers, 3)
    try:
        await until(mails(smtp, len(handles)), "every acknowledgement at the mail server", ARRIVAL, workers)
        # Each send now waits for the server's answer: stop the worker as a deployment would.
        code = await first.stop(GRACE.total_seconds() + STOP_GRACE)
        assert code == 0, f"the worker exited with {code}\n{workers.log_tails()}"
        at_exit = await acknowledgements(pg_pool, handles)
        await workers.start()

        async def all_sent() -> bool:
            rows = await acknowledgements(pg_pool, handles)
            return len(rows) == len(handles) and set(rows.values()) == {"sent"}

        await until(all_sent, "every acknowledgement recorded as sent", ARRIVAL, workers)
    finally:
        for handle in handles:
            await handle.terminate("end of the test")

    received = Counter((mail.message_id, tuple(mail.rcpt_tos)) for mail in smtp.mails)
    sent = await acknowledgements(pg_pool, handles)
    assert {message_id for message_id, _ in received} == set(sent)
    assert set(received.values()) == {1}, f"sent more than once: {received}"
    # The stopping worker finished them itself.
    assert at_exit == sent


async def test_a_send_cut_off_by_kill_9_is_sent_again_with_the_same_message_id_within_seconds(
    temporal_client: Client, workers: Workers, smtp: SmtpSink, pg_pool: asyncpg.Pool
) -> None:
    smtp.delays = {"DATA": SLOW_ANSWER}
    first = await workers.start()
    await wait_until_polling(temporal_client, first, workers.task_queue)
    [handle] = await open_disputes(temporal_client, workers, 1)
    try:
        await until(mails(smtp, 1), "the acknowledgement at the mail server", ARRIVAL, workers)
        # The server has the message and has not answered yet: the worker dies without a word.
        first.process.kill()
        await first.wait()
        killed_at = time.monotonic()
        smtp.delays = {}
        await workers.start()

        await until(mails(smtp, 2), "the acknowledgement sent again", RESENT_WITHIN, workers)

        async def recorded_sent() -> bool:
            return set((await acknowledgements(pg_pool, [handle])).values()) == {"sent"}

        await until(recorded_sent, "the acknowledgement recorded as sent", ARRIVAL, workers)
    finally:
        await handle.terminate("end of the test")

    cut_off, again = smtp.mails
    assert again.at - killed_at < RESENT_WITHIN
    assert (again.message_id, again.rcpt_tos) == (cut_off.message_id, cut_off.rcpt_tos)
    assert list(await acknowledgements(pg_pool, [handle])) == [cut_off.message_id]


async def test_an_action_is_answered_while_a_slow_mail_server_holds_the_opening_s_e_mail(
    temporal_client: Client, workers: Workers, smtp: SmtpSink, pg_pool: asyncpg.Pool
) -> None:
    # The opening's first attempt runs in the dispute's workflow task; the action waits behind it for
    # FIRST_ATTEMPT_TIMEOUT at most, not for the server's answer.
    assert SLOW_ANSWER > 2 * FIRST_ATTEMPT_TIMEOUT.total_seconds()
    smtp.delays = {"DATA": SLOW_ANSWER}
    first = await workers.start()
    await wait_until_polling(temporal_client, first, workers.task_queue)
    [handle] = await open_disputes(temporal_client, workers, 1)
    agent = Actor(role=Role.AGENT, id="agent-1", tier=1)
    try:
        await until(mails(smtp, 1), "the acknowledgement at the mail server", ARRIVAL, workers)
        escalated = await handle.execute_update(
            DisputeWorkflow.escalate, EscalateAction(reason="the customer called again", actor=agent)
        )
        while_waiting = set((await acknowledgements(pg_pool, [handle])).values())

        async def recorded_sent() -> bool:
            return set((await acknowledgements(pg_pool, [handle])).values()) == {"sent"}

        await until(recorded_sent, "the acknowledgement recorded as sent", ARRIVAL, workers)
    finally:
        await handle.terminate("end of the test")

    assert escalated.tier == 2
    assert while_waiting == {"pending"}  # answered while the server still held the e-mail
    [acknowledgement] = await acknowledgements(pg_pool, [handle])
    # The attempt out of time neither cut the send off nor sent it again.
    assert [mail.message_id for mail in smtp.mails].count(acknowledgement) == 1
