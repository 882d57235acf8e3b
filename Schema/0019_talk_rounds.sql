-- Utviklingssamtaler (school) and foreldresamtaler (kindergarten), issue 18 (seed 004).
-- The design is in SamtakDomain/Talks/TalkRound.swift. A round belongs to a class (unit and
-- grade); its pupils are the children of that unit and grade.
CREATE TABLE talk_rounds (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('development_talk', 'parent_talk')),
    unit_id       uuid NOT NULL REFERENCES units (id),
    grade         integer NOT NULL CHECK (grade BETWEEN 0 AND 13),
    school_year   text NOT NULL CHECK (school_year ~ '^[0-9]{4}/[0-9]{4}$'),
    teacher_id    uuid NOT NULL REFERENCES people (id),
    -- The plan as the teacher entered it (days, windows, slot length, pause, breaks).
    plan          jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX talk_rounds_class ON talk_rounds (unit_id, grade, school_year);

-- Slots in Europe/Oslo wall time.
CREATE TABLE talk_slots (
    id         uuid PRIMARY KEY,
    round_id   uuid NOT NULL REFERENCES talk_rounds (id) ON DELETE CASCADE,
    starts_at  timestamp without time zone NOT NULL,
    ends_at    timestamp without time zone NOT NULL,
    CHECK (ends_at > starts_at),
    UNIQUE (round_id, starts_at)
);
-- The reminder sweep looks up tomorrow's talks across rounds.
CREATE INDEX talk_slots_starts ON talk_slots (starts_at);

-- The slot is the primary key: of two concurrent bookings of one slot exactly one commits
-- (first come, first served). One slot per pupil and round. Moving deletes and inserts in
-- one transaction; cancelling deletes (the events keep the history).
CREATE TABLE talk_bookings (
    slot_id               uuid PRIMARY KEY REFERENCES talk_slots (id),
    round_id              uuid NOT NULL REFERENCES talk_rounds (id),
    child_id              uuid NOT NULL REFERENCES children (id),
    booked_by             uuid NOT NULL REFERENCES people (id),
    booked_at             timestamptz NOT NULL DEFAULT now(),
    pupil_attends         boolean NOT NULL DEFAULT true,
    interpreter_language  text CHECK (char_length(interpreter_language) BETWEEN 1 AND 60),
    UNIQUE (round_id, child_id)
);
CREATE INDEX talk_bookings_child ON talk_bookings (child_id);

-- After the talk: what was agreed. Referencing the booking keeps a held talk from being
-- moved or cancelled.
CREATE TABLE talk_summaries (
    slot_id       uuid PRIMARY KEY REFERENCES talk_bookings (slot_id),
    child_id      uuid NOT NULL REFERENCES children (id),
    held_on       date NOT NULL,
    agreed_school text NOT NULL,
    agreed_home   text NOT NULL,
    agreed_pupil  text NOT NULL,
    written_by    uuid NOT NULL REFERENCES people (id),
    written_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX talk_summaries_child ON talk_summaries (child_id);

-- The reminder the day before (issue 18): the scheduler claims each booking once
-- (`reminded_at`, FOR UPDATE SKIP LOCKED) and announces `talk.reminder_due` in the same
-- transaction; the notifier sends the pupil's guardians the notice "talk_reminder" (a link,
-- no content, no name). A moved booking is a new row, so it is reminded again.
ALTER TABLE talk_bookings ADD COLUMN reminded_at timestamptz;
CREATE INDEX talk_bookings_unreminded ON talk_bookings (slot_id) WHERE reminded_at IS NULL;
ALTER TABLE documents DROP CONSTRAINT documents_notice_check;
ALTER TABLE documents ADD CONSTRAINT documents_notice_check
    CHECK (notice IN ('handover_requested', 'handed_over', 'handover_declined', 'handover_cancelled', 'evaluation_due', 'minutes_overdue',
                      'referral_information_requested', 'referral_follow_up_assigned', 'referral_follow_up_overdue', 'talk_reminder'));
