-- Notices: short e-mails about the cooperation around one child, sent by the notifier on
-- the `coordination` topic's events (SamtakNotifier, Engine/NoticeFanOut.swift):
--   coordinator.handover_requested → the person asked to take over ("handover_requested")
--   coordinator.handed_over        → the old and the new coordinator ("handed_over")
--   coordinator.handover_closed    → declined: the coordinator who asked ("handover_declined");
--                                    cancelled: the person who had been asked ("handover_cancelled")
--   measure.evaluation_due         → the measure's owner and the child's coordinator ("evaluation_due")
-- A notice is a document without a meeting: kind 'notice', the notice code and the path of
-- what it is about in Samtak. It never carries the child's name or any content (e-mail is
-- not a safe channel for it); the reader follows the link and Samtak's access rules apply.
-- Its deliveries use the same state machine, Message-IDs and exactly-once rules as the
-- meeting documents'; a completed notice is not announced on Kafka.

ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('agenda', 'minutes', 'cancellation', 'notice'));
ALTER TABLE documents ALTER COLUMN meeting_id DROP NOT NULL, ALTER COLUMN meeting_sequence DROP NOT NULL;
ALTER TABLE documents
    ADD COLUMN notice text CHECK (notice IN ('handover_requested', 'handed_over', 'handover_declined', 'handover_cancelled', 'evaluation_due')),
    ADD COLUMN link_path text;
ALTER TABLE documents ADD CONSTRAINT documents_notice_shape
    CHECK ((kind = 'notice') = (meeting_id IS NULL AND meeting_sequence IS NULL AND notice IS NOT NULL AND link_path IS NOT NULL));
