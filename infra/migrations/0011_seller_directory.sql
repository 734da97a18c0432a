-- The seller directory: who each seller is and how Jamla24 and its customers reach it, kept by the
-- marketplace and operators (PUT /sellers/{id}, the CSV import). `name`, `email` and `phone` (0001) are
-- Jamla24's own contact with the seller; the customer_* details are what a customer receives when the
-- seller's contact is released, and may differ. A row an intake or a strike created has none of these
-- until the directory fills them (directory_updated_at stays NULL until then).
ALTER TABLE sellers
    ADD COLUMN language             text CHECK (language IN ('fr', 'ar', 'en')),
    ADD COLUMN customer_name        text,
    ADD COLUMN customer_email       text,
    ADD COLUMN customer_phone       text,
    ADD COLUMN webhook_url          text,
    ADD COLUMN directory_updated_at timestamptz,
    ADD COLUMN directory_updated_by text;  -- the actor id of the key (or `import`) that last changed it

-- The marketplace's seller service keeps the directory with keys of its own role.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check
    CHECK (role IN ('intake', 'agent', 'seller', 'operator', 'marketplace'));
