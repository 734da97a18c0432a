"""Every change of the dispute workflow's commands, by the patch id that keeps older disputes replaying.

A dispute started before a patch replays as it ran (``workflow.patched`` is False for it); one started
after takes the new path. Add a patch here, with what it changed, for any change of commands, and record
a new generation of histories (see the README's upgrade guide).
"""

from __future__ import annotations

from temporalio import workflow

BREACH_WARNING = "breach-warning"  # the operators' early warning before the 5-day breach
DELIVERY = "deliver-notifications"  # notifications delivered by an activity
ACTIONS_IN_ORDER = "actions-after-opening"  # actions wait for the opening and are checked as they apply
SELLER_CLOCKS = "seller-clocks-from-registration"  # the seller's clocks count from registration
BOUNDED_CATCH_UP = "bounded-catch-up"  # missed reminders sent as one; long-open disputes continue as new
STORE_REFUSAL = "store-refusal-flagged"  # an event the store refuses flags the dispute instead of failing
# An event persisted by local activities, its notifications queued with it in one transaction, delivered
# by one activity.
PERSIST_IN_ONE_STEP = "persist-in-one-step"
# One delivery activity per event, naming the event: what it delivers is what the outbox holds for it.
DELIVER_BY_EVENT = "deliver-by-event"
# Actions checked as they apply with the lifecycle's tier rule: only resolving needs the dispute's tier.
TIERS_AS_DOCUMENTED = "tiers-as-documented"
# An agent's escalation settles the escalation clocks it overtakes (met) and cancels their timers.
ESCALATION_SETTLES_CLOCKS = "escalation-settles-clocks"
# A clock's long wait ends a few seconds short of its due time and a short one does the rest, so it fires
# on time however long the task that set it took.
PUNCTUAL_CLOCKS = "punctual-clocks"
# Only a seller that was reached is struck: delivered notices record it reached (its clocks restart if
# that was late); one never reached is unreachable, the team told; agents record their own attempts.
SELLER_REACH = "seller-reach"
# The search attributes a dispute was started (or continued) with count as upserted: its opening upserts
# none of them again.
START_ATTRIBUTES = "search-attributes-from-start"

# The notifications of an event a person or intake caused are first delivered by a local activity in the
# workflow task that recorded the event; only what that one attempt could not deliver goes to the delivery
# activity, which retries. The system's events (the clocks') keep the activity.
LOCAL_DELIVERY = "deliver-locally-first"

# Every patch above in force, recorded as this one marker: a new dispute's opening records one patch marker
# (and one upsert of ``TemporalChangeVersion``) instead of one of each per patch. A patch added after it is
# asked on its own, through ``in_force`` too. Held (``WORKER_HELD_PATCHES``) with ``START_ATTRIBUTES``, a
# worker starts disputes as the release before it did.
ALL_ABOVE = "patches-through-search-attributes-from-start"
# The same for every patch through ``LOCAL_DELIVERY``; held with it, a worker records ``ALL_ABOVE`` instead.
ALL_THROUGH_LOCAL_DELIVERY = "patches-through-deliver-locally-first"
_COVERED = frozenset(
    {
        BREACH_WARNING,
        DELIVERY,
        ACTIONS_IN_ORDER,
        SELLER_CLOCKS,
        BOUNDED_CATCH_UP,
        STORE_REFUSAL,
        PERSIST_IN_ONE_STEP,
        DELIVER_BY_EVENT,
        TIERS_AS_DOCUMENTED,
        ESCALATION_SETTLES_CLOCKS,
        PUNCTUAL_CLOCKS,
        SELLER_REACH,
        START_ATTRIBUTES,
    }
)
# Each release marker with the patches it stands for, the latest first: a new dispute records only the first.
_RELEASES = (
    (ALL_THROUGH_LOCAL_DELIVERY, _COVERED | {LOCAL_DELIVERY}),
    (ALL_ABOVE, _COVERED),
)
LATEST = _RELEASES[0][0]
# Every patch id, read from the releases (add a later patch no release covers yet here too): a worker told
# to hold an unknown one refuses to start.
IDS = frozenset(marker for marker, _ in _RELEASES).union(*(covered for _, covered in _RELEASES))


def in_force(patch_id: str) -> bool:
    """Workflow code: ``workflow.patched(patch_id)``, answered by the latest release marker that covers it.

    A dispute started before a release marker has none: it is False for it (the SDK keeps the answer for
    the whole run), and the release before is asked, down to each patch on its own as it always was.
    """
    for marker, covered in _RELEASES:
        if patch_id in covered and workflow.patched(marker):
            return True
    return workflow.patched(patch_id)
