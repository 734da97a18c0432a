"""What a dispute starts from: its state at opening, with the deadlines of the rules it started under."""

from __future__ import annotations

from workflows import patches
from workflows.deadlines import compute_deadlines
from workflows.models import DeadlineKind, DisputeInput, DisputeState


def opening_state(input: DisputeInput) -> DisputeState:
    return DisputeState(
        dispute_id=input.dispute_id,
        reference=input.reference,
        seller_id=input.seller_id,
        channel=input.channel,
        category=input.category,
        description=input.description,
        customer_id=input.customer.id,
        order_id=input.order_id,
        external_ref=input.external_ref,
        language=input.customer.language,
        first_contact_at=input.first_contact_at,
        registered_at=input.registered_at,
        # Jamla24 contacts the seller when the dispute is registered: its clocks start then.
        deadlines=compute_deadlines(input.policy, input.first_contact_at, input.registered_at),
    )


def replay_older_clocks(input: DisputeInput, state: DisputeState) -> None:
    """Workflow code, from ``run``: a dispute started under older rules keeps the deadlines it had."""
    if not patches.in_force(patches.SELLER_CLOCKS):  # the seller's clocks counted from first contact
        state.deadlines = compute_deadlines(input.policy, input.first_contact_at)
    if not patches.in_force(patches.BREACH_WARNING):  # no early warning yet
        state.deadlines = [d for d in state.deadlines if d.kind != DeadlineKind.BREACH_WARNING]
