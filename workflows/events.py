"""What can happen to a dispute, and what each notification is: one enumeration each.

The values are what the histories, the ``dispute_events`` table, the outbox and the templates folders
already hold: never change one, only add. Metrics, the read model, reports and the templates test read
these instead of repeating the strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventKind(StrEnum):
    OPENED = "opened"
    SELLER_REACHED = "seller_reached"  # a seller notice was delivered on at least one channel
    SELLER_REMINDED = "seller_reminded"
    SELLER_RESPONDED = "seller_responded"
    SELLER_EFFORTS_FAILED = "seller_efforts_failed"
    SELLER_UNREACHABLE = "seller_unreachable"  # no channel took any notice within its windows: no strike
    SELLER_CONTACT_ATTEMPTED = "seller_contact_attempted"  # an agent's own attempt (a phone call, say)
    SELLER_FLAGGED = "seller_flagged"
    SELLER_ACCOUNT_CHANGED = "seller_account_changed"
    SELLER_CONTACT_RELEASED = "seller_contact_released"
    ESCALATED = "escalated"
    INFORMATION_REQUESTED = "information_requested"
    INFORMATION_PROVIDED = "information_provided"
    FINDINGS_SUBMITTED = "findings_submitted"
    FINDINGS_MISSED = "findings_missed"
    SLA_BREACH_WARNING = "sla_breach_warning"
    SLA_BREACHED = "sla_breached"
    SLA_BREACH_REMINDER = "sla_breach_reminder"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


class RecipientKind(StrEnum):
    CUSTOMER = "customer"
    SELLER = "seller"
    TEAM = "team"
    OPERATORS = "operators"


class NotificationKind(StrEnum):
    """Each message; its template is ``activities/templates/<language>/<recipient>/<kind>.txt``."""

    ACKNOWLEDGEMENT = "acknowledgement"
    COMPLAINT_NOTICE = "complaint_notice"
    SELLER_REMINDER = "seller_reminder"
    SELLER_STRIKE = "seller_strike"
    SELLER_ACCOUNT_CHANGED = "seller_account_changed"
    SELLER_RESPONDED = "seller_responded"
    SELLER_UNRESPONSIVE = "seller_unresponsive"
    SELLER_UNREACHABLE = "seller_unreachable"
    SELLER_CONTACT_AVAILABLE = "seller_contact_available"
    SELLER_CONTACT_RELEASED = "seller_contact_released"
    DISPUTE_REACHED_TIER = "dispute_reached_tier"
    INVESTIGATION_STARTED = "investigation_started"
    TRANSFERRED_TO_CUSTOMER_EXPERIENCE = "transferred_to_customer_experience"
    INFORMATION_REQUESTED = "information_requested"
    INFORMATION_PROVIDED = "information_provided"
    FINDINGS = "findings"
    FINDINGS_OVERDUE = "findings_overdue"
    SLA_BREACH_WARNING = "sla_breach_warning"
    SLA_BREACH = "sla_breach"
    SLA_BREACH_REMINDER = "sla_breach_reminder"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


# Events that tell no one: no delivery is scheduled for them, so giving one a notification changes the
# workflow's commands (a patch). Every other event gets its delivery, with or without notifications.
SILENT_EVENTS = frozenset({EventKind.SELLER_REACHED, EventKind.SELLER_CONTACT_ATTEMPTED})

# The notices that ask the seller to answer: one delivered on any channel means the seller was reached.
ASKING_THE_SELLER = frozenset({NotificationKind.COMPLAINT_NOTICE, NotificationKind.SELLER_REMINDER})


@dataclass(frozen=True)
class Notice:
    """Who a notification goes to, and the facts the workflow gives its templates (beyond the dispute)."""

    recipients: frozenset[RecipientKind]
    fields: frozenset[str] = frozenset()


def _notice(*recipients: RecipientKind, fields: tuple[str, ...] = ()) -> Notice:
    return Notice(frozenset(recipients), frozenset(fields))


_C, _S, _T, _O = RecipientKind.CUSTOMER, RecipientKind.SELLER, RecipientKind.TEAM, RecipientKind.OPERATORS
NOTICES: dict[NotificationKind, Notice] = {
    NotificationKind.ACKNOWLEDGEMENT: _notice(_C),
    NotificationKind.COMPLAINT_NOTICE: _notice(_S, fields=("respond_by",)),
    NotificationKind.SELLER_REMINDER: _notice(_S, fields=("respond_by",)),
    NotificationKind.SELLER_STRIKE: _notice(_S, fields=("reason",)),
    NotificationKind.SELLER_ACCOUNT_CHANGED: _notice(_S, fields=("status",)),
    NotificationKind.SELLER_RESPONDED: _notice(_T),
    NotificationKind.SELLER_UNRESPONSIVE: _notice(_T),
    NotificationKind.SELLER_UNREACHABLE: _notice(_T),
    NotificationKind.SELLER_CONTACT_AVAILABLE: _notice(_C),
    NotificationKind.SELLER_CONTACT_RELEASED: _notice(_C, fields=("seller_id", "name", "email", "phone")),
    NotificationKind.DISPUTE_REACHED_TIER: _notice(_T),
    NotificationKind.INVESTIGATION_STARTED: _notice(_C),
    NotificationKind.TRANSFERRED_TO_CUSTOMER_EXPERIENCE: _notice(_C),
    NotificationKind.INFORMATION_REQUESTED: _notice(_C, fields=("questions",)),
    NotificationKind.INFORMATION_PROVIDED: _notice(_T),
    NotificationKind.FINDINGS: _notice(_C, fields=("findings",)),
    NotificationKind.FINDINGS_OVERDUE: _notice(_T),
    NotificationKind.SLA_BREACH_WARNING: _notice(_O, fields=("breach_at",)),
    NotificationKind.SLA_BREACH: _notice(_O),
    NotificationKind.SLA_BREACH_REMINDER: _notice(_O, fields=("reminder",)),
    NotificationKind.RESOLVED: _notice(_C, fields=("outcome", "summary")),
    NotificationKind.WITHDRAWN: _notice(_C, _T),
}
