"""DisputeWorkflow: one complaint, from first contact to resolution, on the policy's durable clocks.

The workflow is the truth about a dispute. It keeps the run loop and the handlers of the actions people
take. Keeping time is ``clocks``'; what the opening, each clock running out and an escalation record is
the ``timeline``'s; recording, persisting and delivering each event is the ``journal``'s; who each message
goes to is ``recipients``'.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

from workflows import patches
from workflows.actions import (
    EscalateAction,
    FlagSellerAction,
    ProvideInformationAction,
    RecordSellerContactAttemptAction,
    RequestInformationAction,
    RequestSellerContactAction,
    ResolveAction,
    SellerResponseAction,
    SubmitFindingsAction,
    WithdrawAction,
)
from workflows.admission import Admission
from workflows.clocks import Clocks, summary
from workflows.continuation import continue_as_new, history_is_long
from workflows.deadlines import (
    RESOLUTION_CLOCKS,
    SELLER_CLOCKS,
    breach_reminder_due,
    next_breach_reminder,
)
from workflows.events import EventKind, NotificationKind
from workflows.journal import Journal
from workflows.models import (
    Deadline,
    DeadlineKind,
    DeadlineState,
    DisputeInput,
    DisputeState,
    PendingEvent,
    Resolution,
    SellerEfforts,
    Status,
    StrikeReason,
)
from workflows.opening import opening_state, replay_older_clocks
from workflows.outreach import Outreach
from workflows.public import PublicText
from workflows.recipients import Recipients
from workflows.rules import Action, refusal
from workflows.timeline import Timeline
from workflows.visibility import Visibility

# How long a closed dispute whose events the store refused stays open for operators to repair it.
REPAIR_WINDOW = timedelta(days=30)


@workflow.defn
class DisputeWorkflow:
    @workflow.init
    def __init__(self, input: DisputeInput) -> None:
        self._input = input
        self._policy = input.policy
        self._state = opening_state(input)
        applied: set[str] = set()
        refused: list[PendingEvent] = []
        if input.continued is not None:  # a long-open dispute's next run: go on where the last one was
            self._state = input.continued.state
            applied = set(input.continued.applied_updates)
            refused = list(input.continued.unrecorded)
        self._admission = Admission(self._state, applied)
        self._clocks = Clocks(self._state, self._policy)
        self._to = Recipients(input.customer, self._state)
        self._visibility = Visibility(self._state)
        # The outreach records events in the journal, and the journal tells it what was delivered.
        self._outreach = Outreach(self._state, self._clocks, lambda *a, **k: self._event(*a, **k), self._to)
        journal = Journal(input, self._state, self._to, self._visibility, refused, self._outreach.delivered)
        self._journal, self._event = journal, journal.record
        self._timeline = Timeline(input, self._state, self._clocks, self._to, self._outreach, journal.record)
        self._bounded = False  # whether this run has BOUNDED_CATCH_UP: asked in ``run``

    # --- The run loop. ---

    @workflow.run
    async def run(self, input: DisputeInput) -> DisputeState:
        # Patches are asked here, not in __init__: there the SDK cannot yet tell a replay from a first run.
        self._bounded = patches.in_force(patches.BOUNDED_CATCH_UP)
        self._outreach.enabled = patches.in_force(patches.SELLER_REACH)
        if patches.in_force(patches.START_ATTRIBUTES):
            self._visibility.known_from_start()
        persister = self._journal.start()
        if input.continued is None:
            replay_older_clocks(input, self._state)
            self._timeline.open()
        await self._run_clocks(input)
        if not self._bounded:
            await self._remind_until_closed_unbounded()
        await workflow.wait_condition(self._quiet)
        if self._journal.refused:
            await self._await_repair()
        self._journal.stop()
        await persister
        return self._state

    def _quiet(self) -> bool:
        """Every event persisted, no delivery or handler under way: the run may end or continue as new."""
        return self._journal.idle() and workflow.all_handlers_finished()

    async def _remind_until_closed_unbounded(self) -> None:
        """Disputes started before ``BOUNDED_CATCH_UP``: every missed reminder, one after the other."""
        breach = self._state.deadline(DeadlineKind.RESOLUTION)
        while not self._state.closed:
            n = self._state.breach_reminders + 1
            due = breach_reminder_due(self._policy, breach.due_at, n)
            if await self._clocks.sleep_until(due, f"SLA breached: operators' reminder #{n}", lambda: False):
                self._timeline.breach_reminder(n)

    async def _continue_as_new_if_long(self, input: DisputeInput, before: datetime) -> None:
        """Continue as new once the history is long, at a quiet moment before ``before``; no quiet moment
        by then: try again after the next event."""
        if not history_is_long():
            return
        remaining = before - workflow.now()
        if remaining > timedelta(0) and not self._quiet():
            try:
                await workflow.wait_condition(
                    lambda: self._state.closed or self._quiet(),
                    timeout=remaining,
                    timeout_summary=PublicText("a quiet moment to continue as new"),
                )
            except TimeoutError:
                return
        if not self._state.closed and self._quiet():
            continue_as_new(input, self._state, self._admission.applied, self._journal.refused)

    async def _await_repair(self) -> None:
        """A closed dispute whose events the store refused waits (bounded) for operators to repair it."""
        try:
            await workflow.wait_condition(
                lambda: not self._journal.refused and self._quiet(),
                timeout=REPAIR_WINDOW,
                timeout_summary=PublicText("events the store refused: awaiting operators' repair"),
            )
        except TimeoutError:
            workflow.logger.error(
                "dispute %s: closing with events %s unrecorded",
                self._state.dispute_id,
                self._state.unrecorded_events,
            )

    async def _run_clocks(self, input: DisputeInput) -> None:
        """Fire the deadlines, then remind of a breach, in order until the dispute closes (or, before
        ``BOUNDED_CATCH_UP``, until no deadline is left running).

        Each pass waits for the next running deadline or breach reminder; a pause or resume moves the
        clocks and the wait starts over with the deadlines as they now stand. Breach reminders whose times
        have all passed are sent as one, so a catch-up never floods operators nor holds the worker; a
        dispute open for months continues as new to keep its history short.
        """
        clocks = self._clocks
        while not self._state.closed:
            deadline, moved = clocks.next(), clocks.watch()

            if self._bounded and self._state.sla_breached:
                sent = self._state.breach_reminders
                breach = self._state.deadline(DeadlineKind.RESOLUTION)
                n = next_breach_reminder(self._policy, breach.due_at, sent, workflow.now())
                due = breach_reminder_due(self._policy, breach.due_at, n)
                if deadline is None or due < deadline.due_at:
                    await self._continue_as_new_if_long(input, before=due)
                    if await clocks.sleep_until(due, f"SLA breached: operators' reminder #{n}", moved):
                        self._timeline.breach_reminder(n, missed=n - sent - 1)
                    continue

            if deadline is None:
                if not clocks.any_paused():
                    return
                await clocks.wait_until_moved()
                continue

            def moot(d: Deadline = deadline, moved: Callable[[], bool] = moved) -> bool:
                return moved() or not clocks.running(d)

            if await clocks.sleep_until(deadline.due_at, summary(deadline.kind, self._policy), moot):
                self._timeline.fire(deadline)
                self._visibility.publish()  # a late escalation timer changes only its deadline's state

    # --- Actions: updates with validators (see ``admission``), and the resolve signal. ---

    @workflow.update
    async def resolve(self, action: ResolveAction) -> DisputeState:
        if await self._admission.admit(Action.RESOLVE, action.actor):
            self._resolve(action)
        return self._state

    @resolve.validator
    def _validate_resolve(self, action: ResolveAction) -> None:
        self._admission.validate(Action.RESOLVE, action.actor)

    @workflow.signal(name="resolve")
    async def resolve_signal(self, action: ResolveAction) -> None:
        """For operators in Temporal UI or the CLI; a refused signal is logged and changes nothing."""
        if patches.in_force(patches.ACTIONS_IN_ORDER):
            await self._admission.opened()
        reason = refusal(Action.RESOLVE, action.actor, self._state)
        if reason is not None:
            workflow.logger.warning("dispute %s: resolve signal refused: %s", self._state.dispute_id, reason)
            return
        self._resolve(action)

    def _resolve(self, action: ResolveAction) -> None:
        s, now = self._state, workflow.now()
        s.status, s.outcome, s.closed_at = Status.RESOLVED, action.outcome, now
        s.resolution = Resolution(outcome=action.outcome, summary=action.summary, by=action.actor, at=now)
        if s.findings is None:  # resolved without findings: none were needed, none were delivered
            self._clocks.settle_pending({DeadlineKind.FINDINGS}, DeadlineState.NOT_NEEDED)
        self._clocks.settle_pending(RESOLUTION_CLOCKS, DeadlineState.MET)
        self._clocks.settle_pending(SELLER_CLOCKS, DeadlineState.CANCELLED)
        data = {"outcome": action.outcome.value, "summary": action.summary}
        resolved = self._to.customer(NotificationKind.RESOLVED, **data)
        self._event(EventKind.RESOLVED, action.actor, data | {"tier": self._state.tier}, notify=[resolved])

    @workflow.update
    async def escalate(self, action: EscalateAction) -> DisputeState:
        if await self._admission.admit(Action.ESCALATE, action.actor):
            self._timeline.escalate_to(self._state.tier + 1, action.actor, action.reason, automatic=False)
        return self._state

    @escalate.validator
    def _validate_escalate(self, action: EscalateAction) -> None:
        self._admission.validate(Action.ESCALATE, action.actor)

    @workflow.update
    async def request_information(self, action: RequestInformationAction) -> DisputeState:
        if await self._admission.admit(Action.REQUEST_INFORMATION, action.actor):
            self._state.status = Status.AWAITING_CUSTOMER
            self._state.information_requests.extend(action.questions)
            if self._policy.pause_while_awaiting_customer:
                self._clocks.pause()
            data = {"questions": action.questions}
            asked = self._to.customer(NotificationKind.INFORMATION_REQUESTED, **data)
            self._event(EventKind.INFORMATION_REQUESTED, action.actor, data, notify=[asked])
        return self._state

    @request_information.validator
    def _validate_request_information(self, action: RequestInformationAction) -> None:
        self._admission.validate(Action.REQUEST_INFORMATION, action.actor)

    @workflow.update
    async def provide_information(self, action: ProvideInformationAction) -> DisputeState:
        if await self._admission.admit(Action.PROVIDE_INFORMATION, action.actor):
            self._state.status = Status.OPEN
            if self._state.paused_since is not None:
                self._clocks.resume()
            provided = self._to.team(NotificationKind.INFORMATION_PROVIDED)
            data = {"answer": action.answer}
            self._event(EventKind.INFORMATION_PROVIDED, action.actor, data, notify=[provided])
        return self._state

    @provide_information.validator
    def _validate_provide_information(self, action: ProvideInformationAction) -> None:
        self._admission.validate(Action.PROVIDE_INFORMATION, action.actor)

    @workflow.update
    async def submit_findings(self, action: SubmitFindingsAction) -> DisputeState:
        if await self._admission.admit(Action.SUBMIT_FINDINGS, action.actor):
            self._state.findings = action.findings
            self._state.findings_at = self._state.findings_at or workflow.now()
            # The first findings before the deadline keep it; later ones are additions.
            due = self._state.deadline(DeadlineKind.FINDINGS)
            on_time = due.state in (DeadlineState.PENDING, DeadlineState.PAUSED)
            self._clocks.settle_pending({DeadlineKind.FINDINGS}, DeadlineState.MET)
            findings = self._to.customer(NotificationKind.FINDINGS, findings=action.findings)
            data = {"findings": action.findings, "on_time": on_time}
            self._event(EventKind.FINDINGS_SUBMITTED, action.actor, data, notify=[findings])
        return self._state

    @submit_findings.validator
    def _validate_submit_findings(self, action: SubmitFindingsAction) -> None:
        self._admission.validate(Action.SUBMIT_FINDINGS, action.actor)

    @workflow.update
    async def seller_response(self, action: SellerResponseAction) -> DisputeState:
        if await self._admission.admit(Action.SELLER_RESPONSE, action.actor):
            self._state.seller_efforts = SellerEfforts.RESPONDED
            self._clocks.settle_pending(SELLER_CLOCKS, DeadlineState.MET)
            responded = self._to.team(NotificationKind.SELLER_RESPONDED)
            data = {"message": action.message}
            self._event(EventKind.SELLER_RESPONDED, action.actor, data, notify=[responded])
        return self._state

    @seller_response.validator
    def _validate_seller_response(self, action: SellerResponseAction) -> None:
        self._admission.validate(Action.SELLER_RESPONSE, action.actor)

    @workflow.update
    async def flag_seller(self, action: FlagSellerAction) -> DisputeState:
        if await self._admission.admit(Action.FLAG_SELLER, action.actor):
            self._state.seller_flagged = True
            strike = self._to.seller(NotificationKind.SELLER_STRIKE, reason=StrikeReason.REFUSED.value)
            data = {"reason": action.reason}
            refused = StrikeReason.REFUSED
            self._event(EventKind.SELLER_FLAGGED, action.actor, data, notify=[strike], strike=refused)
        return self._state

    @flag_seller.validator
    def _validate_flag_seller(self, action: FlagSellerAction) -> None:
        self._admission.validate(Action.FLAG_SELLER, action.actor)

    @workflow.update
    async def request_seller_contact(self, action: RequestSellerContactAction) -> DisputeState:
        if await self._admission.admit(Action.REQUEST_SELLER_CONTACT, action.actor):
            self._state.seller_contact_released = True
            self._event(EventKind.SELLER_CONTACT_RELEASED, action.actor, {}, release_contact=True)
        return self._state

    @request_seller_contact.validator
    def _validate_request_seller_contact(self, action: RequestSellerContactAction) -> None:
        self._admission.validate(Action.REQUEST_SELLER_CONTACT, action.actor)

    @workflow.update
    async def withdraw(self, action: WithdrawAction) -> DisputeState:
        if await self._admission.admit(Action.WITHDRAW, action.actor):
            self._state.status = Status.WITHDRAWN
            self._state.closed_at = workflow.now()
            self._clocks.settle_pending(RESOLUTION_CLOCKS | SELLER_CLOCKS, DeadlineState.CANCELLED)
            told = [self._to.customer(NotificationKind.WITHDRAWN), self._to.team(NotificationKind.WITHDRAWN)]
            self._event(EventKind.WITHDRAWN, action.actor, {"reason": action.reason}, notify=told)
        return self._state

    @withdraw.validator
    def _validate_withdraw(self, action: WithdrawAction) -> None:
        self._admission.validate(Action.WITHDRAW, action.actor)

    @workflow.update
    async def record_seller_contact_attempt(self, action: RecordSellerContactAttemptAction) -> DisputeState:
        if await self._admission.admit(Action.RECORD_SELLER_CONTACT_ATTEMPT, action.actor):
            self._outreach.attempted(action)
        return self._state

    @record_seller_contact_attempt.validator
    def _validate_record_seller_contact_attempt(self, action: RecordSellerContactAttemptAction) -> None:
        self._admission.validate(Action.RECORD_SELLER_CONTACT_ATTEMPT, action.actor)

    @workflow.query
    def state(self) -> DisputeState:
        return self._state

    @workflow.signal
    def retry_unrecorded(self) -> None:
        """Operators, once the cause is repaired: persist the refused events again, in order."""
        self._journal.retry_unrecorded()
