-- The dispute service's tables: what the workflow's activities write. The workflow stays the truth;
-- these are its event history, a read model for lists and reports, seller accounts and the outbox.

-- The read model: one row per dispute, the latest DisputeSummary the workflow reported.
CREATE TABLE disputes (
    dispute_id              text PRIMARY KEY,
    revision                integer NOT NULL CHECK (revision >= 0),
    status                  text NOT NULL CHECK (status IN ('open', 'awaiting_customer', 'resolved', 'withdrawn')),
    tier                    smallint NOT NULL CHECK (tier BETWEEN 1 AND 3),
    seller_id               text NOT NULL,
    channel                 text NOT NULL CHECK (channel IN ('phone', 'chat', 'email')),
    category                text NOT NULL,
    customer_id             text NOT NULL,
    order_id                text NOT NULL,
    external_ref            text,
    language                text NOT NULL,
    first_contact_at        timestamptz NOT NULL,
    registered_at           timestamptz NOT NULL,
    sla_breached            boolean NOT NULL DEFAULT false,
    seller_efforts          text NOT NULL CHECK (seller_efforts IN ('pending', 'responded', 'failed')),
    seller_contact_released boolean NOT NULL DEFAULT false,
    findings_at             timestamptz,
    outcome                 text CHECK (outcome IN ('refund', 'partial_refund', 'replacement', 'repair',
                                                    'store_credit', 'rejected')),
    closed_at               timestamptz,
    breach_reminders        integer NOT NULL DEFAULT 0,
    deadlines               jsonb NOT NULL DEFAULT '[]',
    -- Contact details, for notifications only (PII: never logged, never in lists).
    customer_name           text,
    customer_email          text,
    customer_phone          text,
    updated_at              timestamptz NOT NULL DEFAULT now()
);

-- Lists filter on one of these and page by registration time.
CREATE INDEX disputes_status_idx ON disputes (status, registered_at DESC);
CREATE INDEX disputes_tier_idx ON disputes (tier, registered_at DESC);
CREATE INDEX disputes_seller_idx ON disputes (seller_id, registered_at DESC);
CREATE INDEX disputes_channel_idx ON disputes (channel, registered_at DESC);
CREATE INDEX disputes_breached_idx ON disputes (registered_at DESC) WHERE sla_breached;
CREATE INDEX disputes_registered_idx ON disputes (registered_at DESC);
-- An intake client's own reference identifies one dispute per channel.
CREATE UNIQUE INDEX disputes_external_ref_key ON disputes (channel, external_ref) WHERE external_ref IS NOT NULL;

-- The full history: one row per HistoryEntry, appended in seq order (keyed by seq so retries are no-ops).
CREATE TABLE dispute_events (
    dispute_id  text NOT NULL REFERENCES disputes (dispute_id),
    seq         integer NOT NULL CHECK (seq >= 1),
    at          timestamptz NOT NULL,
    kind        text NOT NULL,
    actor       jsonb NOT NULL,
    data        jsonb NOT NULL DEFAULT '{}',
    notified    text[] NOT NULL DEFAULT '{}',
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dispute_id, seq)
);

-- The notification outbox: a sender (later) delivers pending rows and marks them sent or failed.
CREATE TABLE notifications (
    id             bigserial PRIMARY KEY,
    dispute_id     text NOT NULL,
    seq            integer NOT NULL,
    kind           text NOT NULL,
    recipient_kind text NOT NULL CHECK (recipient_kind IN ('customer', 'seller', 'team', 'operators')),
    recipient_ref  text NOT NULL,
    email          text,
    phone          text,
    language       text NOT NULL,
    data           jsonb NOT NULL DEFAULT '{}',
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    sent_at        timestamptz,
    UNIQUE (dispute_id, seq, kind, recipient_kind, recipient_ref)
);

CREATE INDEX notifications_pending_idx ON notifications (created_at) WHERE status = 'pending';

-- Seller accounts. Contact details are filled by whoever knows them; unknown sellers get a bare row.
CREATE TABLE sellers (
    seller_id  text PRIMARY KEY,
    name       text,
    email      text,
    phone      text,
    status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'warned', 'restricted', 'terminated')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One strike per seller, dispute and reason. It keeps what it did to the account, so a retried
-- request can answer exactly as the first one did.
CREATE TABLE seller_strikes (
    id                bigserial PRIMARY KEY,
    seller_id         text NOT NULL REFERENCES sellers (seller_id),
    dispute_id        text NOT NULL,
    reason            text NOT NULL CHECK (reason IN ('unresponsive', 'refused')),
    seq               integer NOT NULL,
    struck_at         timestamptz NOT NULL,
    actor             jsonb NOT NULL,
    strikes_in_window integer NOT NULL,
    previous_status   text NOT NULL,
    status            text NOT NULL,
    UNIQUE (seller_id, dispute_id, reason)
);

CREATE INDEX seller_strikes_window_idx ON seller_strikes (seller_id, struck_at);

-- Every change of an account's status, by a strike (strike_id set) or, later, by an operator.
CREATE TABLE seller_account_changes (
    id                bigserial PRIMARY KEY,
    seller_id         text NOT NULL REFERENCES sellers (seller_id),
    dispute_id        text,
    strike_id         bigint UNIQUE REFERENCES seller_strikes (id),
    from_status       text NOT NULL,
    to_status         text NOT NULL,
    reason            text NOT NULL,
    actor             jsonb NOT NULL,
    changed_at        timestamptz NOT NULL,
    strikes_in_window integer
);

CREATE INDEX seller_account_changes_seller_idx ON seller_account_changes (seller_id, changed_at);

-- The seller's contact details were given to the customer of this dispute (at most once).
CREATE TABLE seller_contact_releases (
    dispute_id  text PRIMARY KEY,
    seller_id   text NOT NULL REFERENCES sellers (seller_id),
    seq         integer NOT NULL,
    released_at timestamptz NOT NULL,
    actor       jsonb NOT NULL
);
