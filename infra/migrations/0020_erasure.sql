-- Retention (law 09-08): a closed dispute's personal data is erased once the retention has run, or on a
-- customer's request. The row stays, with its facts (ids, times, clocks, status, tier, outcome, channel,
-- category) for the reports; its texts become "[erased]" and erased_at says when.
ALTER TABLE disputes ADD COLUMN erased_at timestamptz;

-- The daily erasure looks for closed disputes not erased yet, oldest first.
CREATE INDEX disputes_erasable_idx ON disputes (closed_at) WHERE closed_at IS NOT NULL AND erased_at IS NULL;
-- A customer's request finds their disputes.
CREATE INDEX disputes_customer_idx ON disputes (customer_id);

-- Each erasure an operator made on a customer's request: who, when, whose, how much.
CREATE TABLE erasures (
    id                bigserial PRIMARY KEY,
    customer_id       text NOT NULL,
    requested_by      text NOT NULL,          -- the operator's actor id
    key_id            text NOT NULL,          -- the API key it came with
    requested_at      timestamptz NOT NULL DEFAULT now(),
    disputes_erased   integer NOT NULL,
    events_erased     integer NOT NULL,
    notifications_erased integer NOT NULL,
    disputes_open     integer NOT NULL        -- left as they are: open disputes are erased once closed
);

CREATE INDEX erasures_customer_idx ON erasures (customer_id, requested_at DESC);
