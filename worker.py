"""The worker: runs dispute workflows and their activities on the ``disputes`` task queue.

``python worker.py`` reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DATABASE_URL and its payload keys
(PAYLOAD_KEYS or PAYLOAD_KEY_FILE: it does not start without them), serves its Prometheus
metrics on METRICS_BIND, and on SIGTERM or SIGINT stops polling, lets running activities finish (the sends
under way included), and exits.
"""

from __future__ import annotations

import asyncio
import logging
import py_compile
import signal
from collections.abc import Callable

import asyncpg
import uvloop
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.worker import (
    PatchActivationInput,
    Replayer,
    UnsandboxedWorkflowRunner,
    Worker,
    WorkflowRunner,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import workflows
import workflows.dispute
import workflows.erasure
import workflows.late_refusal
import workflows.seller_account
from activities.delivery import Deliveries
from activities.erasure import Retention
from activities.first_delivery import FirstAttempts
from activities.late_refusal import LateRefusals
from activities.outbox import Outbox
from activities.sellers import SellerAccounts
from activities.store import DisputeStore
from infra import loop_lag
from infra.contextless_runner import ContextlessRunner, takes_no_context
from infra.customer_links import CustomerLinkSettings
from infra.delivery_settings import DeliverySettings
from infra.logs import configure_logging
from infra.payload_keys import PayloadKeyError
from infra.postgres import create_pool
from infra.retention import ensure_erasure_schedule
from infra.settings import RetentionSettings, Settings, WorkerSettings
from infra.temporal import configured_data_converter, connect, prometheus_runtime
from workflows.dispute import DisputeWorkflow
from workflows.erasure import ErasureWorkflow
from workflows.late_refusal import WhatsAppFailedWorkflow
from workflows.seller_account import SellerAccountChangeWorkflow

log = logging.getLogger("worker")

WORKFLOWS = [DisputeWorkflow, SellerAccountChangeWorkflow, ErasureWorkflow, WhatsAppFailedWorkflow]
# Each workflow run gets a fresh sandbox, which re-imports the workflow's modules. These are
# deterministic and have no side effects on import (the models, the pure policy logic, the workflow's
# own helpers), so every run shares the worker's copy: re-importing them, and rebuilding every pydantic
# schema, for each new dispute and each replay was most of the worker's CPU and memory.
PASSED_THROUGH = (
    "workflows.models",
    "workflows.sla_policy",
    "workflows.seller_payloads",
    "workflows.actions",
    "workflows.events",
    "workflows.options",
    "workflows.public",
    "workflows.clocks",
    "workflows.journal",
    "workflows.recipients",
    "workflows.visibility",
    "workflows.patches",
    "workflows.admission",
    "workflows.continuation",
    "workflows.outreach",
    "workflows.timeline",
    "workflows.opening",
    "workflows.business_hours",
    "workflows.deadlines",
    "workflows.rules",
    "workflows.delivery",
    "workflows.metrics",
    "workflows.search_attributes",
    "workflows.retention",
)
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
)


def cache_bytecode() -> None:
    """Write the bytecode of the modules the sandbox imports afresh for every workflow run.

    With it cached, each run loads them; without it (``PYTHONDONTWRITEBYTECODE``, set in many images),
    each run compiled their source again: a sixth of the worker's CPU. Where the code is read-only, the
    image compiles it when it is built (Dockerfile).
    """
    for module in (
        workflows,
        workflows.dispute,
        workflows.seller_account,
        workflows.erasure,
        workflows.late_refusal,
    ):
        source = module.__file__ or ""
        try:
            py_compile.compile(source, doraise=True)
        except (OSError, py_compile.PyCompileError) as error:
            log.warning("bytecode of %s not cached (%s): each workflow run compiles it", source, error)


def workflow_runner(sandbox: bool, converter: DataConverter) -> WorkflowRunner:
    """The sandbox with its modules passed through, or none (``WORKER_SANDBOX=false``). Sandboxed, a
    converter that takes no serialization context (ours) lets the runner encode payloads without asking
    the sandbox (``infra.contextless_runner``)."""
    if not sandbox:
        return UnsandboxedWorkflowRunner()
    return ContextlessRunner(WORKFLOW_RUNNER) if takes_no_context(converter) else WORKFLOW_RUNNER


def build_replayer(converter: DataConverter | None = None, *, sandbox: bool = True) -> Replayer:
    """A replayer that runs the workflows exactly as the worker does: same runner, same data converter
    (default: the one the environment's keys configure)."""
    converter = converter or configured_data_converter()
    runner = workflow_runner(sandbox, converter)
    return Replayer(workflows=WORKFLOWS, data_converter=converter, workflow_runner=runner)


def build_worker(
    client: Client,
    pool: asyncpg.Pool,
    task_queue: str,
    deliveries: Deliveries | None = None,
    tuning: WorkerSettings | None = None,
    retention: RetentionSettings | None = None,
) -> Worker:
    """The worker; ``deliveries`` defaults to the SMTP server and webhooks the environment names, and
    ``tuning`` to the ``WORKER_*`` settings."""
    store, outbox, sellers = DisputeStore(pool), Outbox(pool), SellerAccounts(pool)
    deliveries = deliveries or Deliveries.from_settings(pool, DeliverySettings())
    tuning = tuning or WorkerSettings()
    erasure = Retention(pool, (retention or RetentionSettings()).retention)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        workflow_runner=workflow_runner(tuning.sandbox, client.data_converter),
        activities=[
            store.record_event,
            outbox.queue_notifications,
            sellers.record_strike,
            sellers.release_contact,
            sellers.reinstate,
            deliveries.deliver,
            deliveries.deliver_all,
            deliveries.deliver_event,
            FirstAttempts(deliveries, tuning.max_concurrent_activities).deliver_event_first,
            LateRefusals(pool, deliveries).redeliver_after_whatsapp_failure,
            erasure.erase_expired,
        ],
        # Stopping, the worker waits this long for running activities before cancelling them. The longest
        # is a delivery: one cut off mid-send would be sent again by its retry, so wait for it to end.
        graceful_shutdown_timeout=deliveries.longest_attempt,
        max_cached_workflows=tuning.max_cached_workflows,
        sticky_queue_schedule_to_start_timeout=tuning.sticky_timeout,
        max_concurrent_activities=tuning.max_concurrent_activities,
        max_concurrent_workflow_tasks=tuning.max_concurrent_workflow_tasks,
        patch_activation_callback=holding(tuning.held_patches),
    )


def holding(held: frozenset[str]) -> Callable[[PatchActivationInput], bool] | None:
    """A new run takes every patch but those ``held``; a replay follows its history either way."""
    if not held:
        return None
    return lambda asked: asked.patch_id not in held


async def main() -> None:
    settings = Settings()
    cache_bytecode()
    if not settings.database_url:
        raise SystemExit("DATABASE_URL is not set: point it at the service's PostgreSQL (or use `make run`).")
    # The SDK's worker metrics and the workflow's dispute counters, at http://<METRICS_BIND>/metrics.
    try:
        converter = configured_data_converter()
    except PayloadKeyError as error:
        raise SystemExit(str(error)) from None
    runtime = prometheus_runtime(settings.metrics_bind) if settings.metrics_bind else None
    client = await connect(settings, converter=converter, runtime=runtime)
    if settings.metrics_bind:
        log.info("worker metrics at http://%s/metrics", settings.metrics_bind)
    # Its activities keep no state in a session: no reset query after each (infra.postgres).
    pool = await create_pool(settings.database_url, reset_session=False)
    if not CustomerLinkSettings().enabled:
        log.warning("customer links are off: CUSTOMER_LINK_SECRET is not set; acknowledgements carry none")
    deliveries = Deliveries.from_settings(pool, DeliverySettings())
    worker = build_worker(client, pool, settings.task_queue, deliveries)
    # Every worker makes sure of it at start: the first creates it, the others find it.
    await ensure_erasure_schedule(client, settings.task_queue)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    log.info("worker polling task queue %s on %s", settings.task_queue, settings.temporal_address)
    lag = loop_lag.start(runtime.metric_meter) if runtime else None
    try:
        async with worker:
            await stop.wait()
            log.info("shutting down")
    finally:  # also when the worker fails: no watch left pending as the loop closes
        if lag:
            lag.cancel()
    await deliveries.close()
    await pool.close()


if __name__ == "__main__":
    configure_logging()
    # uvloop's sockets, not asyncio's: the activities' PostgreSQL and SMTP round trips cost the worker's
    # one core less (bench/processing.py: 21 -> 24 disputes/s). Workflow code runs on the SDK's own loop.
    uvloop.run(main())
