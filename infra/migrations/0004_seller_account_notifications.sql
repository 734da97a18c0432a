-- Operators' changes of seller accounts, and notifications about a seller's account rather than a dispute.

-- An operator's change carries the key of the request that made it: a retried request finds it recorded
-- rather than changing the account again. Changes made by strikes have none (their strike_id keys them).
ALTER TABLE seller_account_changes ADD COLUMN change_key text UNIQUE;

-- A notification is about a dispute's event (dispute_id, seq) or about a change of a seller's account
-- (account_change_id, with seq 0), never both: a reinstatement follows no dispute.
ALTER TABLE notifications
    ALTER COLUMN dispute_id DROP NOT NULL,
    ADD COLUMN account_change_id bigint REFERENCES seller_account_changes (id),
    ADD CONSTRAINT notifications_subject_check CHECK ((dispute_id IS NULL) <> (account_change_id IS NULL));

-- The outbox's key for account notifications (the table's own key covers the dispute ones).
CREATE UNIQUE INDEX notifications_account_change_key
    ON notifications (account_change_id, seq, kind, recipient_kind, recipient_ref)
    WHERE account_change_id IS NOT NULL;
