-- A notification's WhatsApp message: the id the Cloud API answered with, which its status webhooks name,
-- and the latest status they reported (sent, delivered, read, failed) with its time.
CREATE TABLE whatsapp_messages (
    message_id      text PRIMARY KEY,
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'accepted'
                    CHECK (status IN ('accepted', 'sent', 'delivered', 'read', 'failed')),
    status_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX whatsapp_messages_notification_idx ON whatsapp_messages (notification_id);
