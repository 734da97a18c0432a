"""The dispute metrics operators watch, emitted from the workflow (the SDK drops them on replay)."""

from __future__ import annotations

from temporalio import workflow

from workflows.delivery import NotificationKey
from workflows.events import EventKind
from workflows.models import HistoryEntry, StrikeReason


class DisputeMetrics:
    """Counters named as the README lists them; labels are ids and states, never PII."""

    def __init__(self) -> None:
        meter = workflow.metric_meter()
        self.opened = meter.create_counter("disputes_opened", "Disputes opened, by channel")
        self.escalations = meter.create_counter("dispute_escalations", "Escalations, by tier reached")
        self.findings = meter.create_counter("dispute_findings", "Findings deadlines, met or missed")
        self.warnings = meter.create_counter("dispute_sla_warnings", "Disputes near their 5-day limit")
        self.breaches = meter.create_counter("dispute_sla_breaches", "Disputes past their 5-day limit")
        self.closed = meter.create_counter("disputes_closed", "Disputes resolved or withdrawn")
        self.strikes = meter.create_counter("seller_strikes", "Seller strikes, by reason")
        self.failures = meter.create_counter("notification_failures", "Notifications refused for good")
        self.unrecorded = meter.create_counter("dispute_events_unrecorded", "Events refused by the store")

    def event(self, entry: HistoryEntry, *, channel: str, tier: int) -> None:
        match entry.kind:
            case EventKind.OPENED:
                self.opened.add(1, {"channel": channel})
            case EventKind.ESCALATED:
                automatic = str(entry.data["automatic"]).lower()
                self.escalations.add(1, {"tier": str(entry.data["to_tier"]), "automatic": automatic})
            case EventKind.FINDINGS_SUBMITTED if entry.data.get("on_time"):
                self.findings.add(1, {"result": "met"})
            case EventKind.FINDINGS_MISSED:
                self.findings.add(1, {"result": "missed"})
            case EventKind.SLA_BREACH_WARNING:
                self.warnings.add(1)
            case EventKind.SLA_BREACHED:
                self.breaches.add(1, {"tier": str(tier)})
            case EventKind.RESOLVED | EventKind.WITHDRAWN:
                self.closed.add(1, {"status": entry.kind.value, "tier": str(tier)})
            case EventKind.SELLER_EFFORTS_FAILED:
                self.strikes.add(1, {"reason": StrikeReason.UNRESPONSIVE.value})
            case EventKind.SELLER_FLAGGED:
                self.strikes.add(1, {"reason": StrikeReason.REFUSED.value})

    def notification_failed(self, key: NotificationKey) -> None:
        self.failures.add(1, {"kind": key.kind.value, "recipient": key.recipient_kind.value})

    def event_unrecorded(self, entry: HistoryEntry) -> None:
        self.unrecorded.add(1, {"kind": entry.kind.value})
