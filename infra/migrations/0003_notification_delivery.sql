-- Notification delivery: what each attempt did, so a retry never resends what already went out.
--   message_id      the Message-ID (and webhook delivery id) fixed before the first send, so a resend
--                   after a crash carries the same one and the receiver can tell it is the same message
--   channels_done   channels ('email', 'webhook') that took the message: never sent to again
--   channels_failed channels that refused it for good, channel -> why (codes only, no addresses)
--   locked_until    the lease of the attempt under way; another attempt waits until it ends or expires
--   last_error      why the last attempt failed, or why the message was skipped
-- A 'skipped' message had no channel to go to (a phone-only customer, no URL configured).
ALTER TABLE notifications
    ADD COLUMN message_id      text,
    ADD COLUMN channels_done   text[] NOT NULL DEFAULT '{}',
    ADD COLUMN channels_failed jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN locked_until    timestamptz,
    ADD COLUMN last_attempt_at timestamptz,
    DROP CONSTRAINT notifications_status_check,
    ADD CONSTRAINT notifications_status_check CHECK (status IN ('pending', 'sent', 'failed', 'skipped'));

-- Operators look for what did not go out.
CREATE INDEX notifications_failed_idx ON notifications (created_at) WHERE status = 'failed';
