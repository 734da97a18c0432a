"""SellerAccountChangeWorkflow: an operator's change of a seller account, recorded, published and told.

One short workflow per request (id ``seller-<seller id>-change-<change key>``, task queue ``disputes``):
the change is recorded (once per key), a ``seller_account_changed`` notification is queued in the outbox,
and then delivered, by webhook to the seller portal (the marketplace's seller service enforces it) and
by e-mail when the seller's address is known. Each step is an idempotent activity, so a crash at any
point neither loses the notification nor doubles the change.

The ``recorded`` update answers as soon as the change and its notification are durable (the API waits
for it), while the delivery goes on, retrying until the receivers take it.
"""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.delivery import DeliveryResult, NotificationKey, deliver
from workflows.events import NotificationKind, RecipientKind
from workflows.models import NotificationRequest
from workflows.options import ACTION_REFUSED, STORE_RETRY, STORE_TIMEOUT
from workflows.public import PublicText
from workflows.seller_payloads import AccountChange, ReinstateRequest

# The activities import the database driver: they come from outside the sandbox (the worker passes the
# models and pure modules through once, where it is built: see worker.PASSED_THROUGH).
with workflow.unsafe.imports_passed_through():
    from activities.outbox import Outbox
    from activities.sellers import SellerAccounts


def workflow_id(seller_id: str, change_key: str) -> str:
    return f"seller-{seller_id}-change-{change_key}"


def account_notice(change: AccountChange) -> NotificationRequest:
    """The seller's ``seller_account_changed`` message: about the change, not about a dispute."""
    return NotificationRequest(
        account_change_id=change.id,
        seq=0,
        kind=NotificationKind.SELLER_ACCOUNT_CHANGED,
        recipient_kind=RecipientKind.SELLER,
        recipient_ref=change.seller_id,
        data=change.facts(),
    )


class SellerAccountChangeResult(BaseModel):
    """The change made (or why none was), and how its notification went."""

    change: AccountChange | None = None
    refused: str | None = None
    delivery: DeliveryResult | None = None


@workflow.defn
class SellerAccountChangeWorkflow:
    @workflow.init
    def __init__(self, request: ReinstateRequest) -> None:
        self._change: AccountChange | None = None
        self._refused: str | None = None

    @workflow.run
    async def run(self, request: ReinstateRequest) -> SellerAccountChangeResult:
        try:
            change: AccountChange = await workflow.execute_activity_method(
                SellerAccounts.reinstate,
                request,
                start_to_close_timeout=STORE_TIMEOUT,
                retry_policy=STORE_RETRY,
                summary=PublicText(f"reinstate seller {request.seller_id}"),
            )
        except ActivityError as error:
            cause = error.cause
            if not (isinstance(cause, ApplicationError) and cause.type == ACTION_REFUSED):
                raise
            self._refused = cause.message
            await workflow.wait_condition(workflow.all_handlers_finished)
            return SellerAccountChangeResult(refused=cause.message)
        notice = account_notice(change)
        await workflow.execute_activity_method(
            Outbox.queue_notifications,
            [notice],
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
            summary=PublicText(f"notify seller of account change {change.id}"),
        )
        self._change = change
        key = NotificationKey.of(notice)
        delivery = await deliver(key, f"deliver seller:{notice.kind} of account change {change.id}")
        if delivery.status == "failed":
            workflow.logger.warning("seller %s: account change %d not delivered", change.seller_id, change.id)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return SellerAccountChangeResult(change=change, delivery=delivery)

    @workflow.update
    async def recorded(self) -> AccountChange:
        """The change, once it and its notification are recorded; fails with the reason if refused."""
        await workflow.wait_condition(lambda: self._change is not None or self._refused is not None)
        if self._change is None:
            raise ApplicationError(self._refused or "refused", type=ACTION_REFUSED, non_retryable=True)
        return self._change
