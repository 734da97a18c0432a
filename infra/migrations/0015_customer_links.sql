-- Each dispute's private link for its customer (<PUBLIC_BASE_URL>/c/<token>), made at intake. The token is
-- HMAC(CUSTOMER_LINK_SECRET, dispute id + salt) (infra/customer_links.py): kept here are the salt, so that
-- the worker can write the link again into the acknowledgement, and the token's SHA-256, by which the page
-- finds it. Neither alone, nor both together without the secret, gives a working link.
CREATE TABLE customer_links (
    id          bigserial PRIMARY KEY,
    dispute_id  text NOT NULL,           -- no foreign key: the read-model row comes after, from the workflow
    salt        bytea NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,             -- an operator's DELETE /disputes/{id}/customer-link
    revoked_by  text                     -- the operator's id
);

-- One link in force per dispute: a retried intake finds it rather than making another.
CREATE UNIQUE INDEX customer_links_in_force ON customer_links (dispute_id) WHERE revoked_at IS NULL;
