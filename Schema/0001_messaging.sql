-- Messaging infrastructure: the transactional outbox and the consumers' inbox.
--
-- outbox: every change writes the event that announces it in the same transaction. The
--   relay (SamtakMessaging.OutboxRelay) publishes unpublished rows in id order, several
--   relays at once with FOR UPDATE SKIP LOCKED, and sets published_at only after the
--   broker's delivery report. A statement trigger NOTIFYs `samtak_outbox` on insert so
--   relays wake at once instead of polling.
-- inbox: a consumer records each event id in the same transaction as the event's effect;
--   the primary key makes a redelivered event a no-op.

CREATE TABLE outbox (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      uuid        NOT NULL UNIQUE,
    topic         text        NOT NULL,
    event_key     text        NOT NULL,
    event_type    text        NOT NULL,
    source        text        NOT NULL,
    subject       text        NOT NULL,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    data          jsonb       NOT NULL,
    published_at  timestamptz,
    attempts      integer     NOT NULL DEFAULT 0
);
-- The relay's hot path: unpublished rows in order.
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
-- Retention sweeps of published rows.
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;

CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('samtak_outbox', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

CREATE TABLE inbox (
    consumer      text        NOT NULL,
    event_id      uuid        NOT NULL,
    event_type    text        NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    -- 'applied', or 'rejected' when the handler refused the event as malformed (kept so it
    -- is not retried forever and can be inspected).
    outcome       text        NOT NULL DEFAULT 'applied' CHECK (outcome IN ('applied', 'rejected')),
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX inbox_processed_at ON inbox (processed_at);
