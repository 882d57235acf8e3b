-- Issue 16: BUP's weekly intake meeting and the follow-up of rejected referrals
-- (SamtakDomain/Model/ReferralIntake.swift describes the state machines and events).
--
-- What the intake meeting asked the referrer for (needs_more_information), shown to the
-- referrer while the referral waits in awaiting_information.
ALTER TABLE referral_details ADD COLUMN information_requested text NOT NULL DEFAULT '';

-- Days from a rejection to its follow-up's due date, per arena (default 14).
ALTER TABLE arenas ADD COLUMN follow_up_days integer NOT NULL DEFAULT 14 CHECK (follow_up_days BETWEEN 1 AND 120);

-- One follow-up task per rejected referral: a municipal owner, a due date and an outcome.
CREATE TABLE referral_follow_ups (
    id                   uuid PRIMARY KEY,
    case_id              uuid NOT NULL UNIQUE REFERENCES cases (id),
    meeting_id           uuid NOT NULL REFERENCES meetings (id),
    arena_id             uuid NOT NULL REFERENCES arenas (id),
    owner_id             uuid NOT NULL REFERENCES people (id),
    due_on               date NOT NULL,
    status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    outcome              text CHECK (outcome IN ('other_service_offered', 'samarbeidsmote_called', 'new_referral', 'no_further_action')),
    outcome_note         text NOT NULL DEFAULT '',
    closed_by            uuid REFERENCES people (id),
    closed_at            timestamptz,
    overdue_reported_at  timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'open') = (outcome IS NULL)),
    CHECK (outcome IS DISTINCT FROM 'no_further_action' OR outcome_note <> '')
);
CREATE INDEX referral_follow_ups_open ON referral_follow_ups (due_on) WHERE status = 'open';
CREATE INDEX referral_follow_ups_owner ON referral_follow_ups (owner_id, status);

-- The notifier's notices for them (Sources/SamtakNotifier/Engine/Notices.swift).
ALTER TABLE documents DROP CONSTRAINT documents_notice_check;
ALTER TABLE documents ADD CONSTRAINT documents_notice_check
    CHECK (notice IN ('handover_requested', 'handed_over', 'handover_declined', 'handover_cancelled', 'evaluation_due', 'minutes_overdue',
                      'referral_information_requested', 'referral_follow_up_assigned', 'referral_follow_up_overdue'));

-- What the municipality adds to a referral before or in the intake meeting: a note from a
-- named service (the author's unit), shown under the referral's own consent rules.
CREATE TABLE referral_notes (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    author_id   uuid NOT NULL REFERENCES people (id),
    unit_id     uuid NOT NULL REFERENCES units (id),
    text        text NOT NULL CHECK (text <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_notes_case ON referral_notes (case_id, created_at);

-- A referral the intake meeting asked more of comes back on a later meeting's agenda while its
-- item stays in the first meeting's agenda and minutes: that item is marked completed (set with
-- the decision), and "one item per case" holds for the items not removed and not completed.
ALTER TABLE agenda_items ADD COLUMN completed_at timestamptz;
DROP INDEX agenda_items_one_per_case;
CREATE UNIQUE INDEX agenda_items_one_per_case ON agenda_items (case_id) WHERE removed_at IS NULL AND completed_at IS NULL AND case_id IS NOT NULL;
