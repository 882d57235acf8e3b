-- Retention (issue 20): what grows with every request or event is deleted after a period
-- (SamtakMessaging.RetentionPolicy, swept by every service's relay in batches):
--   outbox (published rows) 7 days, inbox 14 days, idempotency_keys 7 days, access_log
--   5 years; each configurable (SAMTAK_RETENTION_*_DAYS, 0 keeps).
-- outbox, inbox and idempotency_keys already have an index on their time column. The access
-- log is append-only in time order, so a BRIN index on `at` (a few pages for millions of
-- rows, next to nothing per insert) lets the sweep find the oldest rows without a scan.
CREATE INDEX access_log_at_brin ON access_log USING brin (at);
