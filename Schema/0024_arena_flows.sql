-- Issues 17 and 18 (rest): families' leftovers and the arenas' special flows.
--
-- documents.moved: an agenda sent again because its meeting was MOVED (`meeting.moved`). The
--   family's notice then says "Et møte er flyttet" with the link (never content or the child's
--   name); staff get the agenda with the new time as before.
ALTER TABLE documents ADD COLUMN moved boolean NOT NULL DEFAULT false;

-- arena_participants.presence 'with_consent': the participant's service takes part only when a
--   consent of the child names it (seed 000, "helsesykepleier (med samtykke)" in the school-absence
--   meeting). `AccessFacts.arenaScope` reads such services as `ArenaScope.consentOnlyServices`; the
--   domain leaves their people out of a named case (and its agenda copy) without that consent.
ALTER TABLE arena_participants DROP CONSTRAINT arena_participants_presence_check;
ALTER TABLE arena_participants ADD CONSTRAINT arena_participants_presence_check
    CHECK (presence IN ('always', 'individual_cases', 'with_consent'));

-- Beredskap mot mobbing (seed 003): a team around one pupil with a named person responsible for
-- the follow-up; the formal responsibility is the rektor's, delegable (who, to whom, when).
-- See SamtakDomain/Model/BullyingTeam.swift.
CREATE TABLE bullying_teams (
    id                       uuid PRIMARY KEY,
    child_id                 uuid NOT NULL REFERENCES children (id),
    school_unit_id           uuid NOT NULL REFERENCES units (id),
    responsible_id           uuid NOT NULL REFERENCES people (id),
    formally_responsible_id  uuid NOT NULL REFERENCES people (id),
    created_by               uuid NOT NULL REFERENCES people (id),
    created_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bullying_teams_child ON bullying_teams (child_id, created_at);

CREATE TABLE bullying_team_members (
    team_id    uuid NOT NULL REFERENCES bullying_teams (id),
    person_id  uuid NOT NULL REFERENCES people (id),
    PRIMARY KEY (team_id, person_id)
);

CREATE TABLE bullying_team_delegations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id       uuid NOT NULL REFERENCES bullying_teams (id),
    delegated_by  uuid NOT NULL REFERENCES people (id),
    delegated_to  uuid NOT NULL REFERENCES people (id),
    delegated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bullying_team_delegations_team ON bullying_team_delegations (team_id, id);

-- Drøftingsteam barnehage (seed 003): a case asks for observation of the child (a named case and
-- a consent naming the drøftingsteam: `consent_id`) with feedback to the kindergarten afterwards,
-- or for a reflecting team. State machine requested → feedback_given (observation only).
-- See SamtakDomain/Model/DiscussionTeam.swift.
CREATE TABLE discussion_team_requests (
    case_id       uuid PRIMARY KEY REFERENCES cases (id),
    mode          text NOT NULL CHECK (mode IN ('observation', 'reflecting_team')),
    consent_id    uuid REFERENCES consents (id),
    requested_by  uuid NOT NULL REFERENCES people (id),
    requested_at  timestamptz NOT NULL DEFAULT now(),
    status        text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'feedback_given')),
    feedback      text CHECK (length(feedback) <= 4000),
    feedback_by   uuid REFERENCES people (id),
    feedback_at   timestamptz,
    CHECK (mode <> 'observation' OR consent_id IS NOT NULL),
    CHECK (mode = 'observation' OR status = 'requested'),
    CHECK ((status = 'feedback_given') = (feedback IS NOT NULL AND feedback_by IS NOT NULL AND feedback_at IS NOT NULL))
);
