-- What intake found of each dispute's seller. A complaint against a restricted or terminated seller is
-- accepted (the customer's complaint stands) and flagged to operators by this status, shown with the
-- dispute. Written by the API before the dispute's workflow starts, once: a retried intake keeps what
-- the first one found. Disputes opened before it have no row.
CREATE TABLE dispute_intake (
    dispute_id    text PRIMARY KEY,  -- no foreign key: the read-model row comes after, from the workflow
    seller_id     text NOT NULL,
    seller_status text NOT NULL CHECK (seller_status IN ('active', 'warned', 'restricted', 'terminated')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
