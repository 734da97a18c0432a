-- The SLA compliance report (GET /reports/sla, api/reports.py) reads a period's disputes by
-- registration time (disputes_registered_idx) and asks, of those resolved at tier 1, whether they were
-- ever escalated: that question reads only the escalations.
CREATE INDEX dispute_events_escalated_idx ON dispute_events (dispute_id) WHERE kind = 'escalated';
