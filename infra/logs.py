"""Log lines as JSON, one object a line, carrying the dispute id; the messages themselves carry no PII."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from temporalio import activity, workflow

from workflows.dispute_start import WORKFLOW_ID_PREFIX

# Fields a log call may add with ``extra=`` besides ``dispute_id``: codes and numbers, never PII.
EXTRA_FIELDS = ("http_method", "http_route", "http_status", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        # The Temporal SDK puts the workflow's (or activity's) identity on the record.
        temporal = getattr(record, "temporal_workflow", None) or getattr(record, "temporal_activity", None)
        if isinstance(temporal, dict):
            workflow_id = str(temporal.get("workflow_id", ""))
            if workflow_id.startswith(WORKFLOW_ID_PREFIX):
                line["dispute_id"] = workflow_id.removeprefix(WORKFLOW_ID_PREFIX)
            for key in ("workflow_type", "activity_type", "attempt", "update_name"):
                if key in temporal:
                    line[key] = temporal[key]
        if dispute_id := getattr(record, "dispute_id", None):
            line["dispute_id"] = dispute_id
        for key in EXTRA_FIELDS:
            if (value := getattr(record, key, None)) is not None:
                line[key] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for every logger, the SDK's included."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The identity goes in fields, not appended to the message as a Python dict.
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
