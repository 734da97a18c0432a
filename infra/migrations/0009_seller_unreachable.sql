-- A seller no channel ever reached is unreachable (no strike), not failed.
ALTER TABLE disputes DROP CONSTRAINT disputes_seller_efforts_check;
ALTER TABLE disputes ADD CONSTRAINT disputes_seller_efforts_check
    CHECK (seller_efforts IN ('pending', 'responded', 'failed', 'unreachable'));
