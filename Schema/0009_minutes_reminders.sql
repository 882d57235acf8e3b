-- Minutes are always written for an ansvarsgruppe (seed 003). The scheduler reminds the
-- organiser once per meeting when they are not approved `SAMTAK_SCHEDULER_MINUTES_DUE_H`
-- hours after it ended (`minutes.overdue`, sent by the notifier as the notice
-- "minutes_overdue"); `minutes_reminded_at` makes that once (claimed with SKIP LOCKED) and
-- is cleared when the meeting is moved. Meetings that ended more than 30 days ago are not
-- reminded (no burst of old reminders when this is first deployed).

ALTER TABLE documents DROP CONSTRAINT documents_notice_check;
ALTER TABLE documents ADD CONSTRAINT documents_notice_check
    CHECK (notice IN ('handover_requested', 'handed_over', 'handover_declined', 'handover_cancelled', 'evaluation_due', 'minutes_overdue'));
ALTER TABLE meetings ADD COLUMN minutes_reminded_at timestamptz;
CREATE INDEX meetings_minutes_unreminded ON meetings (ends_at)
    WHERE minutes_reminded_at IS NULL AND status IN ('planned', 'agenda_published', 'held');
