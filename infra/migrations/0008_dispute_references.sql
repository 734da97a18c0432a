-- Each dispute's reference, the short one a customer reads out on the phone (J24-7KX4M2QJ): given at
-- intake, before the dispute's workflow starts, so it travels in the workflow's input. Unique both ways:
-- a reference names one dispute, and a retried intake (the same dispute id) finds the one it was given.
-- Disputes opened before references existed have none, and keep being named by their id.
CREATE TABLE dispute_references (
    reference   text PRIMARY KEY,       -- canonical: J24- and 8 symbols, upper case
    dispute_id  text NOT NULL UNIQUE,   -- no foreign key: the read-model row comes after, from the workflow
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The read model shows it in lists, and the notifications say it instead of the id.
ALTER TABLE disputes ADD COLUMN reference text;
