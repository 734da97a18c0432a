-- The channel a customer would rather be told by (e-mail, WhatsApp, SMS), given at intake; kept beside the
-- contact it needs. NULL: the default order (e-mail when given, else WhatsApp, then SMS).
ALTER TABLE disputes
    ADD COLUMN customer_channel text CHECK (customer_channel IN ('email', 'whatsapp', 'sms'));
