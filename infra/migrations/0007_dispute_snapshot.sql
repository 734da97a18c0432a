-- The dispute's whole state but its history, as of the row's revision: written with every event, so the
-- API answers a dispute (a closed one entirely) from here without replaying it on a worker. NULL for rows
-- last written before this column existed; their next event fills it.
ALTER TABLE disputes ADD COLUMN state jsonb;
