"""What operators see of a dispute in Temporal without its payloads: search attributes and current details.

Ids and states only, never a customer's details: these are shown and indexed in clear.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from workflows import search_attributes as sa
from workflows.models import TIER_TEAMS, DisputeState


class Visibility:
    def __init__(self, state: DisputeState) -> None:
        self._state = state
        self._upserted: dict[str, Any] = {}

    def known_from_start(self) -> None:
        """Count the search attributes this run was started (or continued) with as upserted, so that
        ``publish`` upserts only what changed from them."""
        given = workflow.info().typed_search_attributes
        for key in sa.ALL:
            value = given.get(key)
            if value is not None:
                self._upserted[key.name] = value

    def publish(self) -> None:
        """Upsert the search attributes that changed, and set the current details."""
        s = self._state
        values: dict[str, Any] = {
            sa.DISPUTE_STATUS.name: s.status.value,
            sa.DISPUTE_TIER.name: str(s.tier),
            sa.SLA_BREACHED.name: s.sla_breached,
        }
        if not self._upserted:
            values |= {
                sa.SELLER_ID.name: s.seller_id,
                sa.CHANNEL.name: s.channel.value,
                sa.FIRST_CONTACT_AT.name: s.first_contact_at,
            }
        # Only once it was ever needed, so disputes that never needed it upsert exactly what they used to.
        if s.needs_attention or sa.NEEDS_ATTENTION.name in self._upserted:
            values[sa.NEEDS_ATTENTION.name] = s.needs_attention
        changed = {k: v for k, v in values.items() if self._upserted.get(k) != v}
        if changed:
            keys = {k.name: k for k in sa.ALL}
            workflow.upsert_search_attributes([keys[k].value_set(v) for k, v in changed.items()])
            self._upserted |= changed
        workflow.set_current_details(self.details())

    def details(self) -> str:
        s = self._state
        lines = [
            f"**{s.status.value}** at tier {s.tier} ({TIER_TEAMS[s.tier].replace('_', ' ')})",
            f"seller efforts: {s.seller_efforts.value}; SLA breached: {'yes' if s.sla_breached else 'no'}",
        ]
        lines += [f"- {d.kind.value}: {d.state.value}, due {d.due_at.isoformat()}" for d in s.deadlines]
        if s.unrecorded_events:
            lines.append(f"**needs attention**: events {s.unrecorded_events} refused by the store")
        return "\n".join(lines)
