"""The dispute's journal: each event appended to its history, then persisted in order with its effects,
then its notifications delivered.

Recording an event is synchronous (an update answers at once); a single loop persists the events oldest
first through idempotent activities (the seller's strike or contact release, then the event row, the read
model's snapshot and the event's outbox rows in one transaction), so a crash never loses nor doubles one.
An event the store refuses for good flags the dispute for operators instead of stopping it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows import patches
from workflows.delivery import Delivered, EventRef, NotificationKey, deliver, deliver_all, deliver_event
from workflows.events import SILENT_EVENTS, EventKind, NotificationKind, RecipientKind
from workflows.metrics import DisputeMetrics
from workflows.models import (
    SYSTEM,
    Actor,
    DisputeInput,
    DisputeState,
    EventRecord,
    HistoryEntry,
    NotificationRequest,
    PendingEvent,
    Role,
    StrikeReason,
)
from workflows.options import STORE_RETRY, STORE_TIMEOUT
from workflows.public import PublicText
from workflows.recipients import Recipients
from workflows.seller_payloads import ContactReleaseRequest, StrikeRequest, StrikeResult
from workflows.visibility import Visibility

with workflow.unsafe.imports_passed_through():
    from activities.outbox import Outbox
    from activities.sellers import SellerAccounts, SellerContact
    from activities.store import DisputeStore


class Journal:
    def __init__(
        self,
        dispute: DisputeInput,
        state: DisputeState,
        recipients: Recipients,
        visibility: Visibility,
        refused: list[PendingEvent],
        on_delivered: Callable[[list[Delivered]], None],
    ) -> None:
        self._dispute = dispute
        self._state = state
        self._to = recipients
        self._visibility = visibility
        self._on_delivered = on_delivered  # what was delivered, as the workflow learns it
        # Events not persisted yet, oldest first; each leaves once persisted, so memory stays small.
        self._unpersisted: deque[PendingEvent] = deque()
        self.refused = refused  # events the store refused for good, until operators repair them
        self._deliveries: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._metrics = DisputeMetrics()
        # Which patches this run has: set by ``start``, where the SDK can tell a replay from a first run.
        self.one_step = self._by_event = self._locally_first = False

    def start(self) -> asyncio.Task[None]:
        """Start persisting (from the workflow's ``run``)."""
        self.one_step = patches.in_force(patches.PERSIST_IN_ONE_STEP)
        self._by_event = self.one_step and patches.in_force(patches.DELIVER_BY_EVENT)
        self._locally_first = self._by_event and patches.in_force(patches.LOCAL_DELIVERY)
        return asyncio.create_task(self._persist_loop())

    def idle(self) -> bool:
        """Every event persisted and no delivery under way."""
        return not self._unpersisted and not self._deliveries

    def stop(self) -> None:
        """Persist what is left, then end the loop."""
        self._stopping = True

    def retry_unrecorded(self) -> None:
        """Persist the events the store refused again, in order (operators, once the cause is repaired)."""
        self._unpersisted.extend(self.refused)
        self.refused.clear()

    def record(
        self,
        kind: EventKind,
        actor: Actor,
        data: dict[str, Any],
        *,
        notify: list[NotificationRequest] | None = None,
        strike: StrikeReason | None = None,
        release_contact: bool = False,
        customer_included: bool = False,
    ) -> HistoryEntry:
        """Append an event to the history and queue it, with its effects, for persisting."""
        seq = len(self._state.history) + 1
        notifications = [n.model_copy(update={"seq": seq}) for n in notify or []]
        notified = [(n.recipient_kind, n.kind) for n in notifications]
        if release_contact:  # its notice is built once the seller's details are known
            notified.append((RecipientKind.CUSTOMER, NotificationKind.SELLER_CONTACT_RELEASED))
        entry = HistoryEntry(
            seq=seq,
            at=workflow.now(),
            kind=kind,
            actor=actor,
            data=data,
            notified=[f"{to.value}:{what.value}" for to, what in notified],
        )
        self._state.history.append(entry)
        self._state.revision = seq
        self._unpersisted.append(
            PendingEvent(
                entry=entry,
                summary=self._state.snapshot(),
                notifications=notifications,
                strike=strike,
                release_contact=release_contact,
                customer_included=customer_included,
            )
        )
        workflow.logger.info("dispute %s: event %d %s", self._state.dispute_id, seq, kind.value)
        self._metrics.event(entry, channel=self._state.channel.value, tier=self._state.tier)
        self._visibility.publish()
        return entry

    async def _persist_loop(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self._unpersisted) or self._stopping)
            if not self._unpersisted:
                return
            effect = self._unpersisted[0]
            try:
                await self._persist(effect)
            # Refused for good (retryable failures are retried forever). A local activity's failure comes
            # as its own error, not wrapped in an ActivityError.
            except (ActivityError, ApplicationError) as error:
                if not patches.in_force(patches.STORE_REFUSAL):
                    raise
                self._unrecorded(effect, error)
            else:
                self._recorded(effect)
            self._unpersisted.popleft()

    def _unrecorded(self, effect: PendingEvent, error: ActivityError | ApplicationError) -> None:
        """The store refused an event for good: the dispute goes on, and operators are told to repair it."""
        entry = effect.entry
        self.refused.append(effect)
        if entry.seq not in self._state.unrecorded_events:
            self._state.unrecorded_events.append(entry.seq)
        # The failure names schema objects only (see activities.errors), never the refused values.
        cause = error.cause if isinstance(error, ActivityError) and error.cause is not None else error
        workflow.logger.error(
            "dispute %s: event %d (%s) not recorded, the store refused it: %s. Needs attention: see the "
            "README's repair steps.",
            self._state.dispute_id,
            entry.seq,
            entry.kind.value,
            cause,
        )
        self._metrics.event_unrecorded(entry)
        self._visibility.publish()

    def _recorded(self, effect: PendingEvent) -> None:
        if effect.entry.seq in self._state.unrecorded_events:  # a repaired event
            self._state.unrecorded_events.remove(effect.entry.seq)
            self._visibility.publish()

    async def _persist(self, effect: PendingEvent) -> None:
        """An event's side effects first, then its row: a read model at revision n has all of n done.

        Its notifications are queued with the row, in one transaction (before ``PERSIST_IN_ONE_STEP``:
        by an activity of their own, first).
        """
        entry = effect.entry
        if effect.notifications and not self.one_step:
            queued = effect.notifications
            await self._activity(Outbox.queue_notifications, queued, f"notify for event {entry.seq}")
        # Each side effect, once done, is struck off the event: persisting it again after the store refused
        # its row (an operator's repair) must not strike the seller, or change its account, twice.
        if effect.strike is not None:
            await self._strike(entry, effect.strike)
            effect.strike = None
        if effect.release_contact:
            effect.notifications.append(await self._release_contact(entry))
            effect.release_contact = False
        notifications = effect.notifications
        record = EventRecord(
            event=entry,
            summary=effect.summary,
            customer=self._dispute.customer if effect.customer_included else None,
            notifications=notifications if self.one_step else [],
        )
        await self._activity(DisputeStore.record_event, record, f"record event {entry.seq} {entry.kind}")
        # Delivery waits on mail servers and receivers, so it runs beside the persisting, not in it.
        if self._by_event:
            if notifications or entry.kind not in SILENT_EVENTS:
                self._beside(self._deliver_event(entry))
        # Before DELIVER_BY_EVENT: one activity for the event's notifications (before PERSIST_IN_ONE_STEP:
        # one each). Disputes started before delivery existed replay without it.
        elif notifications and patches.in_force(patches.DELIVERY):
            keys = [NotificationKey.of(notification) for notification in notifications]
            for batch in [keys] if self.one_step else [[key] for key in keys]:
                self._beside(self._deliver(batch, entry))

    def _beside(self, delivery: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(delivery)
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver_event(self, entry: HistoryEntry) -> None:
        ref = EventRef(dispute_id=self._state.dispute_id, seq=entry.seq)
        summary = f"deliver the notifications of event {entry.seq} {entry.kind}"
        # What people do comes one at a time, and they wait for its message: delivered in the task that
        # recorded it. What the clocks do falls due by the thousand (every dispute of a busy hour reaches
        # its 24 h in the same hour): the activity's queue on the server lets the worker record them first.
        locally_first = self._locally_first and entry.actor.role != Role.SYSTEM
        delivered = await deliver_event(ref, summary, locally_first=locally_first)
        if delivered is None:
            workflow.logger.warning(
                "dispute %s: the notifications of event %d not delivered", ref.dispute_id, ref.seq
            )
            return
        for item in delivered:
            if item.result.status == "failed":
                self._failed(item.key)
        self._on_delivered(delivered)

    async def _deliver(self, keys: list[NotificationKey], entry: HistoryEntry) -> None:
        if self.one_step:
            results = await deliver_all(keys, f"deliver the notifications of event {entry.seq} {entry.kind}")
        else:
            [key] = keys
            summary = f"deliver {key.recipient_kind.value}:{key.kind} of event {key.seq}"
            results = [await deliver(key, summary)]
        for key, result in zip(keys, results, strict=True):
            if result.status == "failed":
                self._failed(key)

    def _failed(self, key: NotificationKey) -> None:
        self._metrics.notification_failed(key)
        workflow.logger.warning(
            "dispute %s: %s:%s of event %d not delivered",
            key.dispute_id,
            key.recipient_kind.value,
            key.kind.value,
            key.seq,
        )

    async def _strike(self, entry: HistoryEntry, reason: StrikeReason) -> None:
        request = StrikeRequest(
            seller_id=self._state.seller_id,
            dispute_id=self._state.dispute_id,
            seq=entry.seq,
            reason=reason,
            at=entry.at,
            by=entry.actor,
            policy=self._dispute.policy,
        )
        result: StrikeResult = await self._activity(
            SellerAccounts.record_strike, request, f"seller strike ({reason.value})"
        )
        if result.changed:
            self.record(
                EventKind.SELLER_ACCOUNT_CHANGED,
                SYSTEM,
                {
                    "from": result.previous_status.value,
                    "to": result.status.value,
                    "strikes_in_window": result.strikes_in_window,
                },
                notify=[self._to.seller(NotificationKind.SELLER_ACCOUNT_CHANGED, status=result.status.value)],
            )

    async def _release_contact(self, entry: HistoryEntry) -> NotificationRequest:
        request = ContactReleaseRequest(
            seller_id=self._state.seller_id,
            dispute_id=self._state.dispute_id,
            seq=entry.seq,
            at=entry.at,
            by=entry.actor,
        )
        contact: SellerContact = await self._activity(
            SellerAccounts.release_contact, request, "release the seller's contact details"
        )
        released = NotificationKind.SELLER_CONTACT_RELEASED
        notice = self._to.customer(released, **contact.model_dump(mode="json"))
        notice = notice.model_copy(update={"seq": entry.seq})
        if not self.one_step:
            await self._activity(Outbox.queue_notifications, [notice], "notify contact")
        return notice

    async def _activity(self, fn: Any, arg: Any, summary: str) -> Any:
        """A database write. Local: it runs on this worker within the workflow task, with no round trip
        to the server and no task to schedule, which is most of what an event cost (before
        ``PERSIST_IN_ONE_STEP``: an activity of its own)."""
        if self.one_step:
            return await workflow.execute_local_activity_method(
                fn,
                arg,
                start_to_close_timeout=STORE_TIMEOUT,
                retry_policy=STORE_RETRY,
                summary=PublicText(summary),
            )
        return await workflow.execute_activity_method(
            fn,
            arg,
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
            summary=PublicText(summary),
        )
