"""What operators see: search attributes, timer summaries and current details, and never any PII."""

from __future__ import annotations

import logging

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata

from tests.factories import PII
from tests.payload_keys import TEST_DATA_CONVERTER
from tests.workflows.driver import AGENT1, HOUR, Disputes
from workflows import search_attributes as sa
from workflows.actions import EscalateAction
from workflows.clocks import summary
from workflows.dispute import DisputeWorkflow
from workflows.models import DeadlineKind
from workflows.sla_policy import SlaPolicy


async def test_operators_see_ids_states_and_clocks_but_no_pii(
    disputes: Disputes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    handle = await disputes.start()
    await handle.execute_update(
        DisputeWorkflow.escalate, EscalateAction(actor=AGENT1, reason="Senior needed.")
    )
    await disputes.sleep(25 * HOUR)
    state = await disputes.persisted(handle)

    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(sa.DISPUTE_STATUS) == "open"
    assert attributes.get(sa.DISPUTE_TIER) == "2"
    assert attributes.get(sa.SELLER_ID) == state.seller_id
    assert attributes.get(sa.CHANNEL) == "phone"
    assert attributes.get(sa.SLA_BREACHED) is False
    assert attributes.get(sa.FIRST_CONTACT_AT) == state.first_contact_at

    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    details = metadata.current_details
    assert "**open** at tier 2" in details and "resolution_team: met" in details

    summaries = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            summaries.append(
                TEST_DATA_CONVERTER.payload_converter.from_payload(event.user_metadata.summary, str)
            )
    assert summaries and set(summaries) <= {summary(kind, SlaPolicy()) for kind in DeadlineKind}
    assert summaries[0] == summary(DeadlineKind.SELLER_REMINDER, SlaPolicy())

    # Every log line of the service; "mail.log" is the test's own SMTP server, the outside world's.
    logged = [r.getMessage() for r in caplog.records if r.name != "mail.log"]
    exposed = [handle.id, str(attributes), details, *summaries, *logged]
    for secret in PII:
        assert not any(secret in text for text in exposed), f"{secret!r} leaked"
