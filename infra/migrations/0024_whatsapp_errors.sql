-- What WhatsApp said when it reported a message failed: its error code and title (e.g. "131026 Message
-- undeliverable"), never the number.
ALTER TABLE whatsapp_messages ADD COLUMN error text;
