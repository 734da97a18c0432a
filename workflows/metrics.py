"""The dispute metrics operators watch, emitted from the workflow (the SDK drops them on replay)."""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import MetricCounter

from workflows.delivery import NotificationKey
from workflows.events import EventKind
from workflows.models import HistoryEntry, StrikeReason

# Named as the README lists them; labels are ids and states, never PII.
COUNTERS = {
    "disputes_opened": "Disputes opened, by channel",
    "dispute_escalations": "Escalations, by tier reached",
    "dispute_findings": "Findings deadlines, met or missed",
    "dispute_sla_warnings": "Disputes near their 5-day limit",
    "dispute_sla_breaches": "Disputes past their 5-day limit",
    "disputes_closed": "Disputes resolved or withdrawn",
    "seller_strikes": "Seller strikes, by reason",
    "notification_failures": "Notifications refused for good",
    "dispute_events_unrecorded": "Events refused by the store",
}


class DisputeMetrics:
    """One dispute's counters, each made the first time it counts: most disputes use two or three of
    them, and a new dispute's first task is on every intake's path."""

    def __init__(self) -> None:
        self._made: dict[str, MetricCounter] = {}

    def _add(self, name: str, attributes: dict[str, str] | None = None) -> None:
        counter = self._made.get(name)
        if counter is None:
            counter = self._made[name] = workflow.metric_meter().create_counter(name, COUNTERS[name])
        counter.add(1, attributes)

    def event(self, entry: HistoryEntry, *, channel: str, tier: int) -> None:
        match entry.kind:
            case EventKind.OPENED:
                self._add("disputes_opened", {"channel": channel})
            case EventKind.ESCALATED:
                automatic = str(entry.data["automatic"]).lower()
                self._add("dispute_escalations", {"tier": str(entry.data["to_tier"]), "automatic": automatic})
            case EventKind.FINDINGS_SUBMITTED if entry.data.get("on_time"):
                self._add("dispute_findings", {"result": "met"})
            case EventKind.FINDINGS_MISSED:
                self._add("dispute_findings", {"result": "missed"})
            case EventKind.SLA_BREACH_WARNING:
                self._add("dispute_sla_warnings")
            case EventKind.SLA_BREACHED:
                self._add("dispute_sla_breaches", {"tier": str(tier)})
            case EventKind.RESOLVED | EventKind.WITHDRAWN:
                self._add("disputes_closed", {"status": entry.kind.value, "tier": str(tier)})
            case EventKind.SELLER_EFFORTS_FAILED:
                self._add("seller_strikes", {"reason": StrikeReason.UNRESPONSIVE.value})
            case EventKind.SELLER_FLAGGED:
                self._add("seller_strikes", {"reason": StrikeReason.REFUSED.value})

    def notification_failed(self, key: NotificationKey) -> None:
        self._add("notification_failures", {"kind": key.kind.value, "recipient": key.recipient_kind.value})

    def event_unrecorded(self, entry: HistoryEntry) -> None:
        self._add("dispute_events_unrecorded", {"kind": entry.kind.value})
