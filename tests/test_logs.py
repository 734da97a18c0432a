"""Log lines are JSON with the dispute id lifted from the SDK's context."""

from __future__ import annotations

import json
import logging

from infra.logs import JsonFormatter


def record(message: str, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("temporalio.activity", logging.INFO, __file__, 1, message, (), None)
    rec.__dict__.update(extra)
    return rec


def test_a_line_is_json_with_the_dispute_id() -> None:
    line = json.loads(
        JsonFormatter().format(
            record(
                "dispute abc event 3 (escalated): recorded",
                temporal_activity={
                    "workflow_id": "dispute-abc",
                    "activity_type": "record_event",
                    "attempt": 2,
                },
            )
        )
    )
    assert line["dispute_id"] == "abc"
    assert line["activity_type"] == "record_event" and line["attempt"] == 2
    assert line["level"] == "info" and line["message"].startswith("dispute abc")


def test_a_line_without_temporal_context_has_no_dispute_id() -> None:
    line = json.loads(JsonFormatter().format(record("worker polling")))
    assert "dispute_id" not in line and line["logger"] == "temporalio.activity"


def test_request_fields_given_as_extra_are_fields_of_the_line() -> None:
    rec = record(
        "POST /disputes/{dispute_id}/resolve 200 12.5 ms",
        dispute_id="abc",
        http_method="POST",
        http_route="/disputes/{dispute_id}/resolve",
        http_status=200,
        duration_ms=12.5,
    )
    line = json.loads(JsonFormatter().format(rec))
    assert line["dispute_id"] == "abc"
    assert (line["http_method"], line["http_route"], line["http_status"], line["duration_ms"]) == (
        "POST",
        "/disputes/{dispute_id}/resolve",
        200,
        12.5,
    )
