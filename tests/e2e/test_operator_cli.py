"""What an operator sees with the real ``temporal`` CLI: search-attribute queries, a dispute's summary,
its search attributes, its current details and its timers, and no customer PII anywhere; with the API's
codec endpoint and an operator's key, the history decoded.

Disputes are opened as the API opens them. Visibility is eventually consistent: lists are polled.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import uvicorn
from temporalio.client import Client
from temporalio.service import RPCError

from api.app import create_app
from api.auth import KeyRole, create_key
from api.intake import open_dispute
from devstack.binaries import find_binary
from devstack.processes import Child, free_port
from infra.settings import TASK_QUEUE, Settings
from tests.factories import PII, dispute_input
from workflows.actions import ResolveAction
from workflows.clocks import summary as timer_summary
from workflows.dispute import DisputeWorkflow
from workflows.models import Actor, Channel, DeadlineKind, Outcome, Role
from workflows.sla_policy import SlaPolicy

NAMESPACE = "default"
VISIBILITY_TIMEOUT = 10.0  # seconds
AGENT = Actor(role=Role.AGENT, id="agent-cli", tier=1)


async def temporal(address: str, *args: str) -> Any:
    """Run ``temporal <args> -o json`` against the dev server; its parsed output."""
    process = await asyncio.create_subprocess_exec(
        find_binary("temporal"), *args, "--address", address, "--namespace", NAMESPACE, "-o", "json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, f"temporal {' '.join(args)}: {err.decode()}"
    return json.loads(out)


async def listed(address: str, query: str, expected: set[str]) -> set[str]:
    """The workflow ids ``temporal workflow list --query`` gives, once they are ``expected`` (or time out)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + VISIBILITY_TIMEOUT
    while True:
        ids = {
            row["execution"]["workflowId"]
            for row in await temporal(address, "workflow", "list", "--query", query)
        }
        if ids == expected or loop.time() > deadline:
            return ids
        await asyncio.sleep(0.3)


@asynccontextmanager
async def served_api(temporal_address: str, database_url: str) -> AsyncIterator[str]:
    """The API on a port of its own, as the CLI reaches its codec endpoint: its base URL."""
    settings = Settings(
        temporal_address=temporal_address, temporal_namespace=NAMESPACE, database_url=database_url
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "the API did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


def decoded(value: Any) -> str:
    """Every string in the CLI's JSON, payloads (base64 ``data``) decoded: what a reader could recover."""
    if isinstance(value, dict):
        parts = [decoded(item) for item in value.values()]
        if isinstance(value.get("data"), str):
            parts.append(base64.b64decode(value["data"]).decode(errors="replace"))
        return "\n".join(parts)
    if isinstance(value, list):
        return "\n".join(decoded(item) for item in value)
    return str(value)


def search_attributes(description: dict[str, Any]) -> dict[str, Any]:
    fields = description["workflowExecutionInfo"]["searchAttributes"]["indexedFields"]
    return {name: json.loads(base64.b64decode(payload["data"])) for name, payload in fields.items()}


async def test_an_operator_finds_and_reads_disputes_with_the_cli(
    temporal_client: Client, temporal_dev_server: str, worker: Child, database_url: str, pg_pool: asyncpg.Pool
) -> None:
    address, now = temporal_dev_server, datetime.now(UTC)
    seller, other_seller = f"S-{uuid.uuid4().hex[:8]}", f"S-{uuid.uuid4().hex[:8]}"
    # Default policy (days): nothing fires during the test. The late one was first contacted 5 days
    # and an hour ago: every clock has run out, so it is at tier 3 and breached at once.
    fresh = dispute_input(now=now, seller_id=seller, channel=Channel.PHONE, prefix="cli-")
    resolved = dispute_input(now=now, seller_id=seller, channel=Channel.CHAT, prefix="cli-")
    overdue = timedelta(days=5, hours=1)
    late = dispute_input(
        now=now, seller_id=other_seller, channel=Channel.EMAIL, contact_ago=overdue, prefix="cli-"
    )
    fresh_id, resolved_id, late_id = (f"dispute-{d.dispute_id}" for d in (fresh, resolved, late))
    try:
        for opened in (fresh, resolved, late):
            await open_dispute(temporal_client, opened, TASK_QUEUE)
        await temporal_client.get_workflow_handle(resolved_id).execute_update(
            DisputeWorkflow.resolve, ResolveAction(actor=AGENT, outcome=Outcome.REFUND, summary="Refunded.")
        )

        # The README's queries.
        queries = {
            f"SellerId='{seller}' AND DisputeStatus='open'": {fresh_id},
            f"SellerId='{seller}' AND DisputeStatus='resolved'": {resolved_id},
            f"DisputeTier='3' AND SlaBreached=true AND SellerId IN ('{seller}', '{other_seller}')": {late_id},
            f"Channel='email' AND FirstContactAt >= '{(now - timedelta(days=6)):%Y-%m-%dT%H:%M:%SZ}' "
            f"AND SellerId='{other_seller}'": {late_id},
        }
        for query, ids in queries.items():
            assert await listed(address, query, ids) == ids, query

        description = await temporal(address, "workflow", "describe", "--workflow-id", fresh_id)
        summary = description["executionConfig"]["userMetadata"]["summary"]
        assert fresh.dispute_id in summary and seller in summary and "phone" in summary
        attributes = search_attributes(description)
        expected = {"DisputeStatus": "open", "DisputeTier": "1", "SellerId": seller, "Channel": "phone"}
        assert {name: attributes[name] for name in expected} == expected
        assert attributes["SlaBreached"] is False
        assert datetime.fromisoformat(attributes["FirstContactAt"]) == fresh.first_contact_at
        late_attributes = search_attributes(
            await temporal(address, "workflow", "describe", "--workflow-id", late_id)
        )
        assert (late_attributes["DisputeTier"], late_attributes["SlaBreached"]) == ("3", True)

        # Current details (what Temporal UI shows under the summary), from the workflow's metadata query.
        metadata = await temporal(address, "workflow", "metadata", "--workflow-id", fresh_id)
        details = metadata["queryResult"][0]["currentDetails"]
        assert details.startswith("**open** at tier 1") and "resolution_team: pending, due" in details

        # Timers say what they are for (describe lists no timers: they are in the history, as in the UI).
        history = await temporal(address, "workflow", "show", "--workflow-id", fresh_id)
        timers = [
            json.loads(base64.b64decode(event["userMetadata"]["summary"]["data"]))
            for event in history["events"]
            if event["eventType"] == "EVENT_TYPE_TIMER_STARTED"
        ]
        assert timers and set(timers) <= {timer_summary(kind, SlaPolicy()) for kind in DeadlineKind}
        # One timer at a time, for the next clock: the seller's response window comes first.
        assert timers[0] == timer_summary(DeadlineKind.SELLER_REMINDER, SlaPolicy())

        # No customer PII in the history, summary, search attributes, details or list rows, payloads
        # decoded: the history's payloads are encrypted.
        rows = await temporal(
            address, "workflow", "list", "--query", f"SellerId IN ('{seller}', '{other_seller}')"
        )
        seen = decoded([history, description, metadata, rows])
        for secret in PII:
            assert secret not in seen, f"{secret!r} shows in what an operator sees"

        # Through the API's codec endpoint, with an operator's key, the CLI shows the input: contact
        # details included (which also shows the check above would find them if they were there).
        _, operator = await create_key(pg_pool, KeyRole.OPERATOR, f"cli-operator-{uuid.uuid4().hex[:6]}")
        async with served_api(address, database_url) as api:
            codec = ("--codec-endpoint", f"{api}/codec", "--codec-auth", f"Bearer {operator}")
            shown = await temporal(address, "workflow", "show", "--workflow-id", fresh_id, *codec)
        assert all(secret in decoded(shown) for secret in PII)
    finally:
        for workflow_id in (fresh_id, resolved_id, late_id):
            with contextlib.suppress(RPCError):  # closed already, or never started
                await temporal_client.get_workflow_handle(workflow_id).terminate("end of the test")
