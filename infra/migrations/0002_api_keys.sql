-- API keys: who is calling. Only a SHA-256 hash of each key's secret is kept; the key itself is shown
-- once, when it is created. A key acts with one role; its actor id goes into dispute histories.
CREATE TABLE api_keys (
    key_id      text PRIMARY KEY,
    secret_hash text NOT NULL UNIQUE,
    role        text NOT NULL CHECK (role IN ('intake', 'agent', 'seller', 'operator')),
    tier        smallint CHECK (tier BETWEEN 1 AND 3),
    seller_id   text,
    actor_id    text NOT NULL,
    label       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CHECK ((role = 'agent') = (tier IS NOT NULL)),
    CHECK ((role = 'seller') = (seller_id IS NOT NULL))
);
