-- Every time the API returned a customer's contact details (GET /disputes/{id} for intake, agents and
-- operators): which key, which dispute, when. Written before the answer leaves; operators list them.
CREATE TABLE contact_reads (
    id          bigserial PRIMARY KEY,
    dispute_id  text NOT NULL,
    customer_id text NOT NULL,
    key_id      text NOT NULL,
    actor_id    text NOT NULL,
    role        text NOT NULL,
    read_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX contact_reads_dispute_idx ON contact_reads (dispute_id, read_at DESC, id DESC);
CREATE INDEX contact_reads_customer_idx ON contact_reads (customer_id, read_at DESC, id DESC);
