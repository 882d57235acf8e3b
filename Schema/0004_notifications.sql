-- The notifier's records (SamtakNotifier, see Engine/NotifierService.swift for the design).
--
-- documents: one per announced agenda, minutes or cancellation of a meeting, created in the
--   same transaction as the inbox row of the event that caused it (`source_event_id` UNIQUE).
--   `meeting_sequence` is the meeting's iCalendar SEQUENCE when the document was made.
--   `completed_at` is set, and `agenda.sent` / `minutes.sent` / `cancellation.sent` appended
--   to the outbox, exactly once: by the transaction that finishes the last open delivery
--   while holding the document row's lock (or by the sweep).
-- deliveries: one per (document, recipient); the stable Message-ID is fixed at creation.
--   state machine: pending ──claim──▶ sending ──250──▶ sent
--                                     sending ──4xx / no connection──▶ pending (backoff)
--                                     sending ──5xx / attempts exhausted──▶ failed
--                  (created) ──no e-mail address──▶ failed (no_address)
--   `next_attempt_at` is when the row is next due: for `pending` the retry time, for
--   `sending` the end of the worker's lease (a row whose lease ran out is claimed again).
--   `lease_token` identifies the claim; a worker finishes a row only while it still holds it.
--   `failure_reason` / `last_error` are codes (`smtp_550`, `no_address`, `connect`, ...),
--   never addresses or server text.
-- A statement trigger NOTIFYs `samtak_deliveries` on insert so workers wake at once.

CREATE TABLE documents (
    id                uuid PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('agenda', 'minutes', 'cancellation')),
    meeting_id        uuid NOT NULL REFERENCES meetings (id),
    meeting_sequence  integer NOT NULL,
    source_event_id   uuid NOT NULL UNIQUE,
    recipients        integer NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz,
    delivered         integer,
    failed            integer,
    CHECK ((completed_at IS NULL) = (delivered IS NULL) AND (completed_at IS NULL) = (failed IS NULL))
);
CREATE INDEX documents_meeting ON documents (meeting_id, created_at);
-- The sweep: documents not yet announced.
CREATE INDEX documents_open ON documents (created_at) WHERE completed_at IS NULL;

CREATE TABLE deliveries (
    id               uuid PRIMARY KEY,
    document_id      uuid NOT NULL REFERENCES documents (id),
    recipient_id     uuid NOT NULL REFERENCES people (id),
    message_id       text NOT NULL UNIQUE,
    state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_token      uuid,
    last_error       text,
    failure_reason   text,
    sent_at          timestamptz,
    failed_at        timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_id, recipient_id),
    CHECK ((state = 'sending') = (lease_token IS NOT NULL)),
    CHECK ((state = 'sent') = (sent_at IS NOT NULL)),
    CHECK ((state = 'failed') = (failure_reason IS NOT NULL AND failed_at IS NOT NULL))
);
-- The workers' hot path: rows that are due (pending retries and expired leases).
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE state IN ('pending', 'sending');
-- Completion check: does a document still have open deliveries?
CREATE INDEX deliveries_open_by_document ON deliveries (document_id) WHERE state IN ('pending', 'sending');
CREATE INDEX deliveries_recipient ON deliveries (recipient_id);

CREATE FUNCTION deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('samtak_deliveries', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify();

-- What the meeting's owner sees: every delivery of a meeting's documents with the
-- recipient's name, its state and (for failures) the reason code.
--   SELECT * FROM meeting_deliveries WHERE meeting_id = $1 AND state = 'failed'
CREATE VIEW meeting_deliveries AS
SELECT doc.meeting_id, doc.id AS document_id, doc.kind AS document_kind, d.id AS delivery_id,
       d.recipient_id, p.name AS recipient_name, d.state, d.failure_reason, d.last_error, d.attempts,
       d.sent_at, d.failed_at, d.created_at
FROM deliveries d
JOIN documents doc ON doc.id = d.document_id
JOIN people p ON p.id = d.recipient_id;
