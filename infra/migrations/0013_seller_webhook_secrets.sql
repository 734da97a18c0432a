-- The secrets a seller's own webhook URL (sellers.webhook_url) is signed with: its receiver's alone, so
-- an event signed for one receiver never verifies at another. Each rotation adds one; the two newest are
-- valid (both sign while the seller's receiver moves to the new one), older ones are deleted. Kept as
-- they are: signing needs them, so they are as secret as the database (never logged, never shown again).
CREATE TABLE seller_webhook_secrets (
    id         bigserial PRIMARY KEY,
    seller_id  text NOT NULL REFERENCES sellers (seller_id),
    secret     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX seller_webhook_secrets_seller_idx ON seller_webhook_secrets (seller_id, id DESC);
