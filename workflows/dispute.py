"""DisputeWorkflow: one complaint, from first contact to resolution, on the policy's durable clocks.

The workflow is the truth about a dispute. Every change appends a numbered event to its history;
a single loop persists the events in order (event row, read model, outbox, seller strikes) through
idempotent activities, so updates answer at once and a crash never loses or doubles an event.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Set
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from workflows import search_attributes as sa
from workflows.business_hours import time_between
from workflows.deadlines import (
    PAUSABLE,
    RESOLUTION_CLOCKS,
    SELLER_CLOCKS,
    breach_reminder_due,
    compute_deadlines,
    due_at,
    firing_order,
    next_breach_reminder,
)
from workflows.delivery import NotificationKey, deliver, deliver_all
from workflows.metrics import DisputeMetrics
from workflows.models import (
    SYSTEM,
    TIER_TEAMS,
    Actor,
    ContactReleaseRequest,
    Continuation,
    Deadline,
    DeadlineKind,
    DeadlineState,
    DisputeInput,
    DisputeState,
    EscalateAction,
    EventRecord,
    FlagSellerAction,
    HistoryEntry,
    NotificationRequest,
    PendingEvent,
    ProvideInformationAction,
    RecipientKind,
    RequestInformationAction,
    RequestSellerContactAction,
    Resolution,
    ResolveAction,
    Role,
    SellerEfforts,
    SellerResponseAction,
    Status,
    StrikeReason,
    StrikeRequest,
    StrikeResult,
    SubmitFindingsAction,
    WithdrawAction,
)
from workflows.rules import Action, check, refusal

with workflow.unsafe.imports_passed_through():
    from activities.outbox import Outbox
    from activities.sellers import SellerAccounts, SellerContact
    from activities.store import DisputeStore

# Database writes retry until the database is back; bad data fails at once rather than forever.
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=["BadData"],
)
ACTIVITY_TIMEOUT = timedelta(seconds=30)

BREACH_WARNING_PATCH = "breach-warning"
DELIVERY_PATCH = "deliver-notifications"
ACTIONS_IN_ORDER_PATCH = "actions-after-opening"
SELLER_CLOCKS_PATCH = "seller-clocks-from-registration"
# Missed breach reminders sent as one, and a long-open dispute continued as new.
BOUNDED_CATCH_UP_PATCH = "bounded-catch-up"
STORE_REFUSAL_PATCH = "store-refusal-flagged"
# An event persisted by local activities, its notifications queued with it in one transaction and
# delivered by one activity.
PERSIST_IN_ONE_STEP_PATCH = "persist-in-one-step"

# A dispute continues as new once its history is this long: ~40 days of breach reminders, far below
# Temporal's warning (10 240 events) and limit (51 200), so a replay after a cache eviction stays cheap.
HISTORY_LIMIT = 1_000
# How long a closed dispute whose events the store refused stays open for operators to repair it.
REPAIR_WINDOW = timedelta(days=30)

TIMER_SUMMARIES = {
    DeadlineKind.SELLER_REMINDER: "seller response window: remind the seller",
    DeadlineKind.SELLER_FAILURE: "seller efforts: fail and strike the seller",
    DeadlineKind.RESOLUTION_TEAM: "24 h: escalate to the resolution team",
    DeadlineKind.FINDINGS: "48 h: findings due to the customer",
    DeadlineKind.CUSTOMER_EXPERIENCE: "48 h: transfer to customer experience",
    DeadlineKind.RESOLUTION: "5 days: SLA breach",
    DeadlineKind.BREACH_WARNING: "early warning: most of the 5 days used",
}


@workflow.defn
class DisputeWorkflow:
    @workflow.init
    def __init__(self, input: DisputeInput) -> None:
        self._input = input
        self._policy = input.policy
        self._state = DisputeState(
            dispute_id=input.dispute_id,
            seller_id=input.seller_id,
            channel=input.channel,
            category=input.category,
            customer_id=input.customer.id,
            order_id=input.order_id,
            external_ref=input.external_ref,
            language=input.customer.language,
            first_contact_at=input.first_contact_at,
            registered_at=input.registered_at,
            # Jamla24 contacts the seller when the dispute is registered: its clocks start then.
            deadlines=compute_deadlines(input.policy, input.first_contact_at, input.registered_at),
        )
        # Events not persisted yet, oldest first; each leaves once persisted, so memory stays small.
        self._unpersisted: deque[PendingEvent] = deque()
        self._applied_updates: set[str] = set()
        self._refused: list[PendingEvent] = []  # events the store refused for good, until repaired
        if input.continued is not None:  # a long-open dispute's next run: go on where the last one was
            self._state = input.continued.state
            self._applied_updates = set(input.continued.applied_updates)
            self._refused = list(input.continued.unrecorded)
        self._stop_persisting = False
        self._upserted: dict[str, Any] = {}
        self._metrics = DisputeMetrics()
        self._deliveries: set[asyncio.Task[None]] = set()
        self._clocks_changed = 0  # bumped when deadlines move (a pause), so waits start over
        self._bounded = self._one_step = False  # which patches this run has: asked in ``run``

    # --- The timeline. ---

    @workflow.run
    async def run(self, input: DisputeInput) -> DisputeState:
        # Patches are asked here, not in __init__: there the SDK cannot yet tell a replay from a first run.
        self._bounded = workflow.patched(BOUNDED_CATCH_UP_PATCH)
        self._one_step = workflow.patched(PERSIST_IN_ONE_STEP_PATCH)
        persister = asyncio.create_task(self._persist_loop())
        if input.continued is None:
            self._replay_older_clocks(input)
            self._open()
        await self._run_clocks(input)
        if not self._bounded:
            await self._remind_until_closed_unbounded()
        await workflow.wait_condition(self._quiet)
        if self._refused:
            await self._await_repair()
        self._stop_persisting = True
        await persister
        return self._state

    def _replay_older_clocks(self, input: DisputeInput) -> None:
        """Disputes started under older rules replay with the deadlines they were started with."""
        if not workflow.patched(SELLER_CLOCKS_PATCH):  # the seller's clocks counted from first contact
            self._state.deadlines = compute_deadlines(input.policy, input.first_contact_at)
        if not workflow.patched(BREACH_WARNING_PATCH):  # no early warning yet
            self._state.deadlines = [
                d for d in self._state.deadlines if d.kind != DeadlineKind.BREACH_WARNING
            ]

    def _quiet(self) -> bool:
        """Every event persisted, no delivery or handler under way: the run may end or continue as new."""
        return (
            not self._unpersisted
            and not self._deliveries
            and workflow.all_handlers_finished()
        )

    async def _remind_until_closed_unbounded(self) -> None:
        """Disputes started before ``BOUNDED_CATCH_UP_PATCH``: every missed reminder, one after the other."""
        breach = self._state.deadline(DeadlineKind.RESOLUTION)
        while not self._state.closed:
            n = self._state.breach_reminders + 1
            due = breach_reminder_due(self._policy, breach.due_at, n)
            if await self._sleep_until(due, f"SLA breached: operators' reminder #{n}", lambda: False):
                self._breach_reminder(n)

    async def _continue_as_new_if_long(self, input: DisputeInput, before: datetime) -> None:
        """Continue as new once the history is long, at a quiet moment before ``before``.

        The next run starts from this one's state (clocks, answers, applied updates, unrecorded events),
        under the same id and search attributes. No quiet moment by then: try again after the next event.
        """
        info = workflow.info()
        if info.get_current_history_length() < HISTORY_LIMIT and not info.is_continue_as_new_suggested():
            return
        remaining = before - workflow.now()
        if remaining > timedelta(0) and not self._quiet():
            try:
                await workflow.wait_condition(
                    lambda: self._state.closed or self._quiet(),
                    timeout=remaining,
                    timeout_summary="a quiet moment to continue as new",
                )
            except TimeoutError:
                return
        if self._state.closed or not self._quiet():
            return
        continuation = Continuation(
            state=self._state,
            applied_updates=sorted(self._applied_updates),
            unrecorded=self._refused,
        )
        workflow.logger.info(
            "dispute %s: continuing as new after %d history events",
            self._state.dispute_id,
            info.get_current_history_length(),
        )
        workflow.continue_as_new(
            input.model_copy(update={"continued": continuation}),
            search_attributes=workflow.info().typed_search_attributes,
        )

    async def _await_repair(self) -> None:
        """A closed dispute whose events the store refused waits (bounded) for operators to repair it."""
        try:
            await workflow.wait_condition(
                lambda: not self._refused and self._quiet(),
                timeout=REPAIR_WINDOW,
                timeout_summary="events the store refused: awaiting operators' repair",
            )
        except TimeoutError:
            workflow.logger.error(
                "dispute %s: closing with events %s unrecorded",
                self._state.dispute_id,
                self._state.unrecorded_events,
            )

    async def _run_clocks(self, input: DisputeInput) -> None:
        """Fire the deadlines, then remind of a breach, in order until the dispute closes (or, before
        ``BOUNDED_CATCH_UP_PATCH``, until no deadline is left running).

        Each pass waits for the next running deadline or breach reminder; a pause or resume bumps
        ``_clocks_changed`` and the wait starts over with the deadlines as they now stand. Breach reminders
        whose times have all passed are sent as one, so a catch-up never floods operators nor holds the
        worker; a dispute open for months continues as new to keep its history short.
        """
        while not self._state.closed:
            deadline, version = self._next_deadline(), self._clocks_changed

            def moved(v: int = version) -> bool:
                return self._clocks_changed != v

            if self._bounded and self._state.sla_breached:
                sent = self._state.breach_reminders
                breach = self._state.deadline(DeadlineKind.RESOLUTION)
                n = next_breach_reminder(self._policy, breach.due_at, sent, workflow.now())
                due = breach_reminder_due(self._policy, breach.due_at, n)
                if deadline is None or due < deadline.due_at:
                    await self._continue_as_new_if_long(input, before=due)
                    if await self._sleep_until(due, f"SLA breached: operators' reminder #{n}", moved):
                        self._breach_reminder(n, missed=n - sent - 1)
                    continue

            if deadline is None:
                if not any(d.state == DeadlineState.PAUSED for d in self._state.deadlines):
                    return
                await workflow.wait_condition(lambda: self._state.closed or moved())
                continue

            def moot(d: Deadline = deadline) -> bool:
                return moved() or not self._still_running(d)

            if await self._sleep_until(deadline.due_at, TIMER_SUMMARIES[deadline.kind], moot):
                self._fire(deadline)
                self._publish()  # a late escalation timer changes only its deadline's state

    def _next_deadline(self) -> Deadline | None:
        running = [d for d in self._state.deadlines if self._still_running(d)]
        return min(running, key=firing_order, default=None)

    async def _sleep_until(self, due: datetime, summary: str, moot: Callable[[], bool]) -> bool:
        """Wait until ``due``; False if the dispute closed (or the clock became moot) first."""
        remaining = due - workflow.now()
        if remaining > timedelta(0):
            try:
                await workflow.wait_condition(
                    lambda: self._state.closed or moot(), timeout=remaining, timeout_summary=summary
                )
                return False
            except TimeoutError:
                pass
        return not self._state.closed

    def _still_running(self, deadline: Deadline) -> bool:
        if deadline.state != DeadlineState.PENDING:
            return False
        if deadline.kind in SELLER_CLOCKS:
            return self._state.seller_efforts == SellerEfforts.PENDING
        return True

    def _fire(self, deadline: Deadline) -> None:
        self._settle(deadline, DeadlineState.MISSED)
        kind = deadline.kind
        if kind == DeadlineKind.SELLER_REMINDER:
            respond_by = self._state.deadline(DeadlineKind.SELLER_FAILURE).due_at
            self._event(
                "seller_reminded",
                SYSTEM,
                {"respond_by": respond_by.isoformat()},
                notify=[self._to_seller("seller_reminder", respond_by=respond_by.isoformat())],
            )
        elif kind == DeadlineKind.SELLER_FAILURE:
            self._state.seller_efforts = SellerEfforts.FAILED
            self._event(
                "seller_efforts_failed",
                SYSTEM,
                {},
                notify=[
                    self._to_seller("seller_strike", reason=StrikeReason.UNRESPONSIVE.value),
                    self._to_customer("seller_contact_available"),
                    self._to_team("seller_unresponsive"),
                ],
                strike=StrikeReason.UNRESPONSIVE,
            )
        elif kind == DeadlineKind.RESOLUTION_TEAM:
            self._escalate_to(2, SYSTEM, "not resolved within 24 hours of first contact", automatic=True)
        elif kind == DeadlineKind.FINDINGS:
            self._event("findings_missed", SYSTEM, {}, notify=[self._to_team("findings_overdue")])
        elif kind == DeadlineKind.CUSTOMER_EXPERIENCE:
            self._escalate_to(3, SYSTEM, "not resolved within 48 hours of first contact", automatic=True)
        elif kind == DeadlineKind.BREACH_WARNING:
            breach_at = self._state.deadline(DeadlineKind.RESOLUTION).due_at
            self._event(
                "sla_breach_warning",
                SYSTEM,
                {"breach_at": breach_at.isoformat()},
                notify=[self._to_operators("sla_breach_warning", breach_at=breach_at.isoformat())],
            )
        elif kind == DeadlineKind.RESOLUTION:
            self._state.sla_breached = True
            self._event("sla_breached", SYSTEM, {}, notify=[self._to_operators("sla_breach")])

    def _breach_reminder(self, n: int, *, missed: int = 0) -> None:
        """Reminder ``n``; ``missed`` earlier reminders whose times had passed are told in this one."""
        self._state.breach_reminders = n
        data: dict[str, Any] = {"reminder": n} | ({"missed": missed} if missed else {})
        self._event(
            "sla_breach_reminder",
            SYSTEM,
            data,
            notify=[self._to_operators("sla_breach_reminder", reminder=n)],
        )

    def _open(self) -> None:
        respond_by = self._state.deadline(DeadlineKind.SELLER_FAILURE).due_at
        self._event(
            "opened",
            self._input.opened_by or Actor(role=Role.INTAKE, id=self._input.channel.value),
            {"channel": self._input.channel.value, "category": self._input.category},
            notify=[
                self._to_customer("acknowledgement"),
                self._to_seller("complaint_notice", respond_by=respond_by.isoformat()),
            ],
            customer_included=True,
        )

    def _escalate_to(self, tier: int, actor: Actor, reason: str, *, automatic: bool) -> None:
        if tier <= self._state.tier:  # escalation only goes up: a late timer does nothing
            return
        previous, self._state.tier = self._state.tier, tier
        self._event(
            "escalated",
            actor,
            {"from_tier": previous, "to_tier": tier, "reason": reason, "automatic": automatic},
            notify=[
                self._to_team("dispute_reached_tier"),
                self._to_customer(
                    "investigation_started" if tier == 2 else "transferred_to_customer_experience"
                ),
            ],
        )

    def _pause_clocks(self) -> None:
        self._state.paused_since = workflow.now()
        for deadline in self._state.deadlines:
            if deadline.kind in PAUSABLE and deadline.state == DeadlineState.PENDING:
                deadline.state = DeadlineState.PAUSED
        self._clocks_changed += 1

    def _resume_clocks(self) -> None:
        """Push the paused clocks back by the pause, counted in the policy's hours, and restart them."""
        s = self._state
        if s.paused_since is None:
            return
        s.paused_for += time_between(s.paused_since, workflow.now(), self._policy.business_hours)
        s.paused_since = None
        for deadline in s.deadlines:
            if deadline.state == DeadlineState.PAUSED:
                deadline.state = DeadlineState.PENDING
                deadline.due_at = due_at(self._policy, s.first_contact_at, deadline.kind, s.paused_for)
        self._clocks_changed += 1

    def _settle(self, deadline: Deadline, state: DeadlineState) -> None:
        deadline.state = state
        deadline.settled_at = workflow.now()

    def _settle_pending(self, kinds: Set[DeadlineKind], state: DeadlineState) -> None:
        for deadline in self._state.deadlines:
            if deadline.kind in kinds and deadline.state in (DeadlineState.PENDING, DeadlineState.PAUSED):
                self._settle(deadline, state)

    # --- Actions: updates with validators. A refused action never reaches the history, except the
    # second of two conflicting actions delivered in one task: it is refused as it applies (see _admit).

    def _validate(self, action: Action, actor: Actor) -> None:
        if self._is_retry():
            return  # a retried request is answered, not refused
        check(action, actor, self._state)

    def _is_retry(self) -> bool:
        info = workflow.current_update_info()
        return info is not None and info.id in self._applied_updates

    async def _admit(self, action: Action, actor: Actor) -> bool:
        """Whether this update takes effect: False for a retry of one that already did.

        Temporal runs the handlers of actions delivered with the start before ``run`` has opened the
        dispute, and validates every action of a task before any applies. So an action waits for the
        opening (within the same task) and is checked again against the state it is about to change.
        Disputes started before this replay as they ran.
        """
        if self._is_retry():
            return False
        if workflow.patched(ACTIONS_IN_ORDER_PATCH):
            await self._opened()
            check(action, actor, self._state)
        info = workflow.current_update_info()
        if info is not None:
            self._applied_updates.add(info.id)
        return True

    async def _opened(self) -> None:
        # No timeout: ``run`` opens the dispute in the very task whose handlers wait here.
        await workflow.wait_condition(lambda: bool(self._state.history))

    @workflow.update
    async def resolve(self, action: ResolveAction) -> DisputeState:
        if await self._admit(Action.RESOLVE, action.actor):
            self._resolve(action)
        return self._state

    @resolve.validator
    def _validate_resolve(self, action: ResolveAction) -> None:
        self._validate(Action.RESOLVE, action.actor)

    @workflow.signal(name="resolve")
    async def resolve_signal(self, action: ResolveAction) -> None:
        """For operators in Temporal UI or the CLI; a refused signal is logged and changes nothing."""
        if workflow.patched(ACTIONS_IN_ORDER_PATCH):
            await self._opened()
        reason = refusal(Action.RESOLVE, action.actor, self._state)
        if reason is not None:
            workflow.logger.warning("dispute %s: resolve signal refused: %s", self._state.dispute_id, reason)
            return
        self._resolve(action)

    def _resolve(self, action: ResolveAction) -> None:
        now = workflow.now()
        self._state.status = Status.RESOLVED
        self._state.resolution = Resolution(
            outcome=action.outcome, summary=action.summary, by=action.actor, at=now
        )
        self._state.outcome = action.outcome
        self._state.closed_at = now
        self._settle_pending(RESOLUTION_CLOCKS, DeadlineState.MET)
        self._settle_pending(SELLER_CLOCKS, DeadlineState.CANCELLED)
        self._event(
            "resolved",
            action.actor,
            {"outcome": action.outcome.value, "summary": action.summary, "tier": self._state.tier},
            notify=[self._to_customer("resolved", outcome=action.outcome.value, summary=action.summary)],
        )

    @workflow.update
    async def escalate(self, action: EscalateAction) -> DisputeState:
        if await self._admit(Action.ESCALATE, action.actor):
            self._escalate_to(self._state.tier + 1, action.actor, action.reason, automatic=False)
        return self._state

    @escalate.validator
    def _validate_escalate(self, action: EscalateAction) -> None:
        self._validate(Action.ESCALATE, action.actor)

    @workflow.update
    async def request_information(self, action: RequestInformationAction) -> DisputeState:
        if await self._admit(Action.REQUEST_INFORMATION, action.actor):
            self._state.status = Status.AWAITING_CUSTOMER
            self._state.information_requests.extend(action.questions)
            if self._policy.pause_while_awaiting_customer:
                self._pause_clocks()
            self._event(
                "information_requested",
                action.actor,
                {"questions": action.questions},
                notify=[self._to_customer("information_requested", questions=action.questions)],
            )
        return self._state

    @request_information.validator
    def _validate_request_information(self, action: RequestInformationAction) -> None:
        self._validate(Action.REQUEST_INFORMATION, action.actor)

    @workflow.update
    async def provide_information(self, action: ProvideInformationAction) -> DisputeState:
        if await self._admit(Action.PROVIDE_INFORMATION, action.actor):
            self._state.status = Status.OPEN
            if self._state.paused_since is not None:
                self._resume_clocks()
            self._event(
                "information_provided",
                action.actor,
                {"answer": action.answer},
                notify=[self._to_team("information_provided")],
            )
        return self._state

    @provide_information.validator
    def _validate_provide_information(self, action: ProvideInformationAction) -> None:
        self._validate(Action.PROVIDE_INFORMATION, action.actor)

    @workflow.update
    async def submit_findings(self, action: SubmitFindingsAction) -> DisputeState:
        if await self._admit(Action.SUBMIT_FINDINGS, action.actor):
            self._state.findings = action.findings
            self._state.findings_at = self._state.findings_at or workflow.now()
            # The first findings before the deadline keep it; later ones are additions.
            due = self._state.deadline(DeadlineKind.FINDINGS)
            on_time = due.state in (DeadlineState.PENDING, DeadlineState.PAUSED)
            self._settle_pending({DeadlineKind.FINDINGS}, DeadlineState.MET)
            self._event(
                "findings_submitted",
                action.actor,
                {"findings": action.findings, "on_time": on_time},
                notify=[self._to_customer("findings", findings=action.findings)],
            )
        return self._state

    @submit_findings.validator
    def _validate_submit_findings(self, action: SubmitFindingsAction) -> None:
        self._validate(Action.SUBMIT_FINDINGS, action.actor)

    @workflow.update
    async def seller_response(self, action: SellerResponseAction) -> DisputeState:
        if await self._admit(Action.SELLER_RESPONSE, action.actor):
            self._state.seller_efforts = SellerEfforts.RESPONDED
            self._settle_pending(SELLER_CLOCKS, DeadlineState.MET)
            self._event(
                "seller_responded",
                action.actor,
                {"message": action.message},
                notify=[self._to_team("seller_responded")],
            )
        return self._state

    @seller_response.validator
    def _validate_seller_response(self, action: SellerResponseAction) -> None:
        self._validate(Action.SELLER_RESPONSE, action.actor)

    @workflow.update
    async def flag_seller(self, action: FlagSellerAction) -> DisputeState:
        if await self._admit(Action.FLAG_SELLER, action.actor):
            self._state.seller_flagged = True
            self._event(
                "seller_flagged",
                action.actor,
                {"reason": action.reason},
                notify=[self._to_seller("seller_strike", reason=StrikeReason.REFUSED.value)],
                strike=StrikeReason.REFUSED,
            )
        return self._state

    @flag_seller.validator
    def _validate_flag_seller(self, action: FlagSellerAction) -> None:
        self._validate(Action.FLAG_SELLER, action.actor)

    @workflow.update
    async def request_seller_contact(self, action: RequestSellerContactAction) -> DisputeState:
        if await self._admit(Action.REQUEST_SELLER_CONTACT, action.actor):
            self._state.seller_contact_released = True
            entry = self._event("seller_contact_released", action.actor, {}, release_contact=True)
            entry.notified.append(f"{RecipientKind.CUSTOMER.value}:seller_contact_released")
        return self._state

    @request_seller_contact.validator
    def _validate_request_seller_contact(self, action: RequestSellerContactAction) -> None:
        self._validate(Action.REQUEST_SELLER_CONTACT, action.actor)

    @workflow.update
    async def withdraw(self, action: WithdrawAction) -> DisputeState:
        if await self._admit(Action.WITHDRAW, action.actor):
            self._state.status = Status.WITHDRAWN
            self._state.closed_at = workflow.now()
            self._settle_pending(RESOLUTION_CLOCKS | SELLER_CLOCKS, DeadlineState.CANCELLED)
            self._event(
                "withdrawn",
                action.actor,
                {"reason": action.reason},
                notify=[self._to_customer("withdrawn"), self._to_team("withdrawn")],
            )
        return self._state

    @withdraw.validator
    def _validate_withdraw(self, action: WithdrawAction) -> None:
        self._validate(Action.WITHDRAW, action.actor)

    @workflow.query
    def state(self) -> DisputeState:
        return self._state

    # --- Events and their effects. ---

    def _event(
        self,
        kind: str,
        actor: Actor,
        data: dict[str, Any],
        *,
        notify: list[NotificationRequest] | None = None,
        strike: StrikeReason | None = None,
        release_contact: bool = False,
        customer_included: bool = False,
    ) -> HistoryEntry:
        seq = len(self._state.history) + 1
        notifications = [n.model_copy(update={"seq": seq}) for n in notify or []]
        entry = HistoryEntry(
            seq=seq,
            at=workflow.now(),
            kind=kind,
            actor=actor,
            data=data,
            notified=[f"{n.recipient_kind.value}:{n.kind}" for n in notifications],
        )
        self._state.history.append(entry)
        self._state.revision = seq
        self._unpersisted.append(
            PendingEvent(
                entry=entry,
                summary=self._state.summary(),
                notifications=notifications,
                strike=strike,
                release_contact=release_contact,
                customer_included=customer_included,
            )
        )
        workflow.logger.info("dispute %s: event %d %s", self._state.dispute_id, seq, kind)
        self._metrics.event(entry, channel=self._state.channel.value, tier=self._state.tier)
        self._publish()
        return entry

    def _publish(self) -> None:
        """Search attributes and current details for operators; ids and states only, never PII."""
        values: dict[str, Any] = {
            sa.DISPUTE_STATUS.name: self._state.status.value,
            sa.DISPUTE_TIER.name: str(self._state.tier),
            sa.SLA_BREACHED.name: self._state.sla_breached,
        }
        if not self._upserted:
            values |= {
                sa.SELLER_ID.name: self._state.seller_id,
                sa.CHANNEL.name: self._state.channel.value,
                sa.FIRST_CONTACT_AT.name: self._state.first_contact_at,
            }
        # Only once it was ever needed, so disputes that never needed it upsert exactly what they used to.
        if self._state.needs_attention or sa.NEEDS_ATTENTION.name in self._upserted:
            values[sa.NEEDS_ATTENTION.name] = self._state.needs_attention
        changed = {k: v for k, v in values.items() if self._upserted.get(k) != v}
        if changed:
            keys = {k.name: k for k in sa.ALL}
            workflow.upsert_search_attributes([keys[k].value_set(v) for k, v in changed.items()])
            self._upserted |= changed
        workflow.set_current_details(self._details())

    def _details(self) -> str:
        s = self._state
        lines = [
            f"**{s.status.value}** at tier {s.tier} ({TIER_TEAMS[s.tier].replace('_', ' ')})",
            f"seller efforts: {s.seller_efforts.value}; SLA breached: {'yes' if s.sla_breached else 'no'}",
        ]
        lines += [f"- {d.kind.value}: {d.state.value}, due {d.due_at.isoformat()}" for d in s.deadlines]
        if s.unrecorded_events:
            lines.append(f"**needs attention**: events {s.unrecorded_events} refused by the store")
        return "\n".join(lines)

    async def _persist_loop(self) -> None:
        while True:
            await workflow.wait_condition(
                lambda: bool(self._unpersisted) or self._stop_persisting
            )
            if not self._unpersisted:
                return
            effect = self._unpersisted[0]
            try:
                await self._persist(effect)
            # Refused for good (retryable failures are retried forever). A local activity's failure comes
            # as its own error, not wrapped in an ActivityError.
            except (ActivityError, ApplicationError) as error:
                if not workflow.patched(STORE_REFUSAL_PATCH):
                    raise
                self._unrecorded(effect, error)
            else:
                self._recorded(effect)
            self._unpersisted.popleft()

    def _unrecorded(self, effect: PendingEvent, error: ActivityError | ApplicationError) -> None:
        """The store refused an event for good: the dispute goes on, and operators are told to repair it."""
        entry = effect.entry
        self._refused.append(effect)
        if entry.seq not in self._state.unrecorded_events:
            self._state.unrecorded_events.append(entry.seq)
        # The failure names schema objects only (see activities.errors), never the refused values.
        cause = error.cause if isinstance(error, ActivityError) and error.cause is not None else error
        workflow.logger.error(
            "dispute %s: event %d (%s) not recorded, the store refused it: %s. Needs attention: see the "
            "README's repair steps.",
            self._state.dispute_id,
            entry.seq,
            entry.kind,
            cause,
        )
        self._metrics.event_unrecorded(entry)
        self._publish()

    def _recorded(self, effect: PendingEvent) -> None:
        if effect.entry.seq in self._state.unrecorded_events:  # a repaired event
            self._state.unrecorded_events.remove(effect.entry.seq)
            self._publish()

    @workflow.signal
    def retry_unrecorded(self) -> None:
        """Operators, once the cause is repaired: persist the refused events again, in order."""
        self._unpersisted.extend(self._refused)
        self._refused.clear()

    async def _persist(self, effect: PendingEvent) -> None:
        """An event's side effects first, then its row: a read model at revision n has all of n done.

        Its notifications are queued with the row, in one transaction (before ``PERSIST_IN_ONE_STEP_PATCH``:
        by an activity of their own, first).
        """
        entry = effect.entry
        if effect.notifications and not self._one_step:
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
            customer=self._input.customer if effect.customer_included else None,
            notifications=notifications if self._one_step else [],
        )
        await self._activity(DisputeStore.record_event, record, f"record event {entry.seq} {entry.kind}")
        # Delivery waits on mail servers and receivers, so it runs beside the persisting, not in it: one
        # activity for the event's notifications (before PERSIST_IN_ONE_STEP_PATCH: one each). Disputes
        # started before delivery existed replay without it.
        if notifications and workflow.patched(DELIVERY_PATCH):
            keys = [NotificationKey.of(notification) for notification in notifications]
            for batch in [keys] if self._one_step else [[key] for key in keys]:
                task = asyncio.create_task(self._deliver(batch, entry))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, keys: list[NotificationKey], entry: HistoryEntry) -> None:
        if self._one_step:
            results = await deliver_all(keys, f"deliver the notifications of event {entry.seq} {entry.kind}")
        else:
            [key] = keys
            summary = f"deliver {key.recipient_kind.value}:{key.kind} of event {key.seq}"
            results = [await deliver(key, summary)]
        for key, result in zip(keys, results, strict=True):
            if result.status == "failed":
                self._metrics.notification_failed(key)
                workflow.logger.warning(
                    "dispute %s: %s:%s of event %d not delivered",
                    key.dispute_id,
                    key.recipient_kind.value,
                    key.kind,
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
            policy=self._policy,
        )
        result: StrikeResult = await self._activity(
            SellerAccounts.record_strike, request, f"seller strike ({reason.value})"
        )
        if result.changed:
            self._event(
                "seller_account_changed",
                SYSTEM,
                {
                    "from": result.previous_status.value,
                    "to": result.status.value,
                    "strikes_in_window": result.strikes_in_window,
                },
                notify=[self._to_seller("seller_account_changed", status=result.status.value)],
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
        notice = self._to_customer("seller_contact_released", **contact.model_dump(mode="json"))
        notice = notice.model_copy(update={"seq": entry.seq})
        if not self._one_step:
            await self._activity(Outbox.queue_notifications, [notice], "notify contact")
        return notice

    async def _activity(self, fn: Any, arg: Any, summary: str) -> Any:
        """A database write. Local: it runs on this worker within the workflow task, with no round trip
        to the server and no task to schedule, which is most of what an event cost (before
        ``PERSIST_IN_ONE_STEP_PATCH``: an activity of its own)."""
        if self._one_step:
            return await workflow.execute_local_activity_method(
                fn, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY, summary=summary
            )
        return await workflow.execute_activity_method(
            fn, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY, summary=summary
        )

    # --- Recipients. ---

    def _to_customer(self, kind: str, **data: Any) -> NotificationRequest:
        customer = self._input.customer
        return NotificationRequest(
            dispute_id=self._state.dispute_id,
            seq=0,
            kind=kind,
            recipient_kind=RecipientKind.CUSTOMER,
            recipient_ref=customer.id,
            email=customer.email,
            phone=customer.phone,
            language=customer.language,
            data=data,
        )

    def _to_seller(self, kind: str, **data: Any) -> NotificationRequest:
        return self._notice(RecipientKind.SELLER, self._state.seller_id, kind, data)

    def _to_team(self, kind: str, **data: Any) -> NotificationRequest:
        return self._notice(
            RecipientKind.TEAM, TIER_TEAMS[self._state.tier], kind, data | {"tier": self._state.tier}
        )

    def _to_operators(self, kind: str, **data: Any) -> NotificationRequest:
        return self._notice(RecipientKind.OPERATORS, "operators", kind, data)

    def _notice(self, to: RecipientKind, ref: str, kind: str, data: dict[str, Any]) -> NotificationRequest:
        return NotificationRequest(
            dispute_id=self._state.dispute_id,
            seq=0,
            kind=kind,
            recipient_kind=to,
            recipient_ref=ref,
            data=data,
        )
