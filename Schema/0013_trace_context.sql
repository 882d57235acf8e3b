-- Trace context (issue 19): the W3C `traceparent` of the change that wrote a row, so that a
-- trace continues where the work continues later, in another transaction or process.
--
-- outbox.traceparent: the relay sends it as the CloudEvents `traceparent` extension
--   (Kafka header `ce_traceparent`); consumers continue the trace (SamtakMessaging).
-- agenda_items.traceparent: the scheduler's placement of a case; the agenda publisher
--   continues the most recent item's trace when it publishes the agenda (and links the rest).
-- documents.traceparent: the notifier's fan-out; each copy's SMTP send continues it.
--
-- NULL when tracing is off (no OTLP endpoint configured) or the row was written outside a trace.
ALTER TABLE outbox ADD COLUMN traceparent text
    CHECK (length(traceparent) <= 512 AND traceparent ~ '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-|$)');
ALTER TABLE agenda_items ADD COLUMN traceparent text
    CHECK (length(traceparent) <= 512 AND traceparent ~ '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-|$)');
ALTER TABLE documents ADD COLUMN traceparent text
    CHECK (length(traceparent) <= 512 AND traceparent ~ '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-|$)');
