-- What each Idempotency-Key was first used for. A retry (the same API key, action, dispute or seller
-- account, and Idempotency-Key) must be the same request; the API refuses the key with another body.
-- request_id is the id the API derives from the API key, the action and the Idempotency-Key (the
-- dispute's update id, or the seller account change's key): the client's own text is not stored.
CREATE TABLE idempotency_keys (
    subject       text NOT NULL,    -- what the request acts on: dispute-<id>, seller-<id>
    request_id    text NOT NULL,
    digest        text NOT NULL,    -- SHA-256 of the request's normalised body
    first_used_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, request_id)
);
