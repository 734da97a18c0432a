"""Dispute metrics reach Prometheus through the SDK's own exporter, beside the worker's metrics; a dispute
makes only the counters it counts on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from temporalio import workflow
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from activities.delivery import Deliveries
from devstack.processes import free_port
from infra.delivery_settings import DeliverySettings
from tests.workflows.driver import AGENT1, AGENT2, HOUR, Disputes, time_skipping_env
from worker import build_worker
from workflows.actions import EscalateAction, SubmitFindingsAction
from workflows.dispute import DisputeWorkflow
from workflows.events import EventKind
from workflows.metrics import DisputeMetrics
from workflows.models import SYSTEM, HistoryEntry


async def test_dispute_metrics_are_exported(
    pg_pool: asyncpg.Pool, delivery_settings: DeliverySettings
) -> None:
    address = f"127.0.0.1:{free_port()}"
    runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))
    async with await time_skipping_env(runtime) as env:
        task_queue = f"metrics-{uuid.uuid4().hex[:6]}"
        deliveries = Deliveries.from_settings(pg_pool, delivery_settings)
        async with build_worker(env.client, pg_pool, task_queue, deliveries):
            disputes = Disputes(env, pg_pool, task_queue)
            first, second = await disputes.start(), await disputes.start()
            await first.execute_update(
                DisputeWorkflow.escalate, EscalateAction(actor=AGENT1, reason="Senior.")
            )
            await first.execute_update(
                DisputeWorkflow.submit_findings, SubmitFindingsAction(actor=AGENT2, findings="Lost.")
            )
            await disputes.sleep(25 * HOUR)
            await disputes.until(second, lambda s: s.tier == 2)
            async with httpx.AsyncClient() as http:
                text = (await http.get(f"http://{address}/metrics")).text

    def value(line_start: str) -> float:
        line = next(line for line in text.splitlines() if line.startswith(line_start))
        return float(line.rsplit(" ", 1)[1])

    assert value('disputes_opened{channel="phone"') == 2
    assert value('dispute_escalations{automatic="false",') == 1
    assert value('dispute_escalations{automatic="true",') == 1
    findings = [line for line in text.splitlines() if line.startswith("dispute_findings{")]
    assert len(findings) == 1 and 'result="met"' in findings[0] and findings[0].endswith(" 1")
    assert "temporal_workflow_task_execution_latency_count" in text  # the SDK's own worker metrics
    # Notifications are delivered by local activities first (none failed, so no activity ran).
    assert "temporal_local_activity_execution_latency_count" in text


class _Counter:
    def add(self, value: int, additional_attributes: dict[str, str] | None = None) -> None:
        pass


def test_a_dispute_makes_only_the_counters_it_counts_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Making a counter is work in a new dispute's first task, on every intake's path."""
    made: list[str] = []

    class Meter:
        def create_counter(self, name: str, description: str | None = None) -> _Counter:
            made.append(name)
            return _Counter()

    monkeypatch.setattr(workflow, "metric_meter", Meter)
    metrics = DisputeMetrics()
    for seq in (1, 2):
        opened = HistoryEntry(seq=seq, at=datetime.now(UTC), kind=EventKind.OPENED, actor=SYSTEM)
        metrics.event(opened, channel="phone", tier=1)

    assert made == ["disputes_opened"]
