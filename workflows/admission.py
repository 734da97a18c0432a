"""Which action takes effect: validators refuse early, a retried request is answered rather than applied
twice, and an action is checked again as it applies.

A refused action never reaches the history, except the second of two conflicting actions delivered in one
task: Temporal validates every action of a task before any applies, so it is refused as it applies.
"""

from __future__ import annotations

from temporalio import workflow

from workflows import patches
from workflows.models import Actor, DisputeState
from workflows.rules import Action, check


class Admission:
    def __init__(self, state: DisputeState, applied: set[str]) -> None:
        self._state = state
        self.applied = applied  # update ids already applied: kept across continue-as-new

    def validate(self, action: Action, actor: Actor) -> None:
        """An update's validator: raise the refusal, unless this is a retry (answered, not refused)."""
        if not self._is_retry():
            check(action, actor, self._state)

    async def admit(self, action: Action, actor: Actor) -> bool:
        """Whether this update takes effect: False for a retry of one that already did.

        Temporal runs the handlers of actions delivered with the start before ``run`` has opened the
        dispute, and validates every action of a task before any applies. So an action waits for the
        opening (within the same task) and is checked again against the state it is about to change.
        Disputes started before ``ACTIONS_IN_ORDER`` replay as they ran.
        """
        if self._is_retry():
            return False
        if patches.in_force(patches.ACTIONS_IN_ORDER):
            await self.opened()
            check(action, actor, self._state, lifecycle_tiers=patches.in_force(patches.TIERS_AS_DOCUMENTED))
        info = workflow.current_update_info()
        if info is not None:
            self.applied.add(info.id)
        return True

    async def opened(self) -> None:
        # No timeout: ``run`` opens the dispute in the very task whose handlers wait here.
        await workflow.wait_condition(lambda: bool(self._state.history))

    def _is_retry(self) -> bool:
        info = workflow.current_update_info()
        return info is not None and info.id in self.applied
