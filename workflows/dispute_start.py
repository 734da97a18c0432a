"""How a dispute's workflow is addressed and started: its id, search attributes, summary and id policies.

One home for the options, so that everything that starts or finds a dispute (the API's intake, the
benchmark's bare baseline, the log formatter reading ids back) agrees on them. No I/O and no settings:
the task queue is the caller's.
"""

from __future__ import annotations

from typing import Any, TypedDict

from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

from workflows import search_attributes as sa
from workflows.models import DisputeInput, SellerAccountStatus, Status
from workflows.public import PublicText

# Running disputes carry ids of this shape: changing it would orphan them.
WORKFLOW_ID_PREFIX = "dispute-"


def workflow_id(dispute_id: str) -> str:
    return f"{WORKFLOW_ID_PREFIX}{dispute_id}"


def search_attributes(
    dispute: DisputeInput, seller_status: SellerAccountStatus | None = None
) -> TypedSearchAttributes:
    """The workflow sets most of these itself; giving them at start makes the dispute findable at once.

    ``seller_status``, the seller's account status intake found, is given here only: the workflow never
    touches it (it upserts the ones it changes), and it carries over when the dispute continues as new.
    """
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(sa.DISPUTE_STATUS, Status.OPEN.value),
        SearchAttributePair(sa.DISPUTE_TIER, "1"),
        SearchAttributePair(sa.SELLER_ID, dispute.seller_id),
        SearchAttributePair(sa.CHANNEL, dispute.channel.value),
        SearchAttributePair(sa.SLA_BREACHED, False),
        SearchAttributePair(sa.FIRST_CONTACT_AT, dispute.first_contact_at),
    ]
    if seller_status is not None:
        pairs.append(SearchAttributePair(sa.SELLER_STATUS_AT_INTAKE, seller_status.value))
    return TypedSearchAttributes(pairs)


def static_summary(dispute: DisputeInput) -> str:
    """What Temporal UI shows for the workflow, readable without the codec: ids (the reference a customer
    quotes first, so an operator on the phone finds it) and the category, no customer detail."""
    name = f"{dispute.reference} (id {dispute.dispute_id})" if dispute.reference else dispute.dispute_id
    return PublicText(
        f"dispute {name}: {dispute.channel.value} complaint about seller "
        f"{dispute.seller_id} ({dispute.category})"
    )


class StartOptions(TypedDict):
    """``Client.start_workflow``'s keyword arguments for a dispute, besides its task queue."""

    id: str
    id_reuse_policy: WorkflowIDReusePolicy
    id_conflict_policy: WorkflowIDConflictPolicy
    search_attributes: TypedSearchAttributes
    static_summary: str


def start_options(dispute: DisputeInput, seller_status: SellerAccountStatus | None = None) -> StartOptions:
    """Start a dispute at most once, ever: a second start of its id fails, whether it runs or has closed.

    An intake reference always maps to the same dispute id, so a retried intake names the workflow
    already started. FAIL (the id is running) and REJECT_DUPLICATE (the id has closed) make every such
    start raise ``WorkflowAlreadyStartedError``: the SDK's public API tells "created now" from "existed
    already", where USE_EXISTING would return a handle that says so only in a private field. A closed
    dispute is never started again.
    """
    return StartOptions(
        id=workflow_id(dispute.dispute_id),
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        search_attributes=search_attributes(dispute, seller_status),
        static_summary=static_summary(dispute),
    )
