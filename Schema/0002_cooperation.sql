-- The register and the cooperation: units, people, children, guardians, consent, arenas,
-- meetings, cases and referrals, agendas, minutes, the access log and idempotency keys.
-- Codes (service, role, kind, status, ...) are the raw values of the enums in
-- SamtakDomain/Model; CHECK constraints keep the database honest about them.

CREATE TABLE units (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    service     text NOT NULL,
    parent_id   uuid REFERENCES units (id),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE people (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('staff', 'guardian', 'young_person')),
    name        text NOT NULL,
    email       text,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A person's roles: one row per (person, unit, role). `title` is the local job title
-- shown in documents ("rektor", "helsesykepleier").
CREATE TABLE memberships (
    person_id   uuid NOT NULL REFERENCES people (id),
    unit_id     uuid NOT NULL REFERENCES units (id),
    role        text NOT NULL,
    title       text NOT NULL DEFAULT '',
    PRIMARY KEY (person_id, unit_id, role)
);
CREATE INDEX memberships_unit_role ON memberships (unit_id, role);

-- Children. Personal data: read only through the API's access rules, and every read is
-- written to access_log. `national_id` is a validated fødselsnummer or D-number.
CREATE TABLE children (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    national_id      text UNIQUE,
    birth_date       date,
    unit_id          uuid REFERENCES units (id),   -- the child's kindergarten or school
    grade            integer CHECK (grade BETWEEN 0 AND 13),  -- 0 = kindergarten
    person_id        uuid REFERENCES people (id),  -- the young person as a user, if any
    created_by       uuid NOT NULL REFERENCES people (id),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX children_unit ON children (unit_id);

CREATE TABLE guardianships (
    child_id                 uuid NOT NULL REFERENCES children (id),
    guardian_id              uuid NOT NULL REFERENCES people (id),
    parental_responsibility  boolean NOT NULL DEFAULT true,   -- foreldreansvar
    daily_care               boolean NOT NULL DEFAULT true,   -- daglig omsorg
    PRIMARY KEY (child_id, guardian_id)
);
CREATE INDEX guardianships_guardian ON guardianships (guardian_id);

-- Consent lifts the duty of confidentiality between the services and arenas it names,
-- for the information categories it names, from valid_from until valid_until or withdrawal.
CREATE TABLE consents (
    id                      uuid PRIMARY KEY,
    child_id                uuid NOT NULL REFERENCES children (id),
    given_by                uuid[] NOT NULL,        -- guardians (people ids)
    young_person_consented  boolean NOT NULL DEFAULT false,
    services                text[] NOT NULL DEFAULT '{}',
    arena_ids               uuid[] NOT NULL DEFAULT '{}',
    information             text[] NOT NULL,
    valid_from              date NOT NULL,
    valid_until             date,
    method                  text NOT NULL CHECK (method IN ('written', 'oral_recorded')),
    recorded_by             uuid NOT NULL REFERENCES people (id),
    recorded_at             timestamptz NOT NULL DEFAULT now(),
    withdrawn_at            timestamptz,
    withdrawn_by            uuid REFERENCES people (id),
    CHECK (valid_until IS NULL OR valid_until >= valid_from),
    CHECK (cardinality(given_by) > 0 OR young_person_consented)
);
CREATE INDEX consents_child ON consents (child_id);

-- Meeting arenas in the seeds' own form: target group, purpose, frequency, participants,
-- owner. `rrule` is NULL for arenas that meet "etter behov" (meetings are called).
-- `series_start` is Europe/Oslo wall time (DTSTART).
CREATE TABLE arenas (
    id                         uuid PRIMARY KEY,
    name                       text NOT NULL,
    kind                       text NOT NULL,
    owner_unit_id              uuid NOT NULL REFERENCES units (id),
    owner_person_id            uuid REFERENCES people (id),
    target_group               text NOT NULL DEFAULT '',
    purpose                    text NOT NULL DEFAULT '',
    frequency_text             text NOT NULL DEFAULT '',
    rrule                      text,
    series_start               timestamp without time zone,
    duration_minutes           integer NOT NULL DEFAULT 90 CHECK (duration_minutes BETWEEN 5 AND 1440),
    location                   text NOT NULL DEFAULT '',
    capacity                   integer NOT NULL DEFAULT 8 CHECK (capacity BETWEEN 1 AND 200),
    minutes_per_case           integer NOT NULL DEFAULT 15 CHECK (minutes_per_case BETWEEN 1 AND 480),
    submission_deadline_hours  integer NOT NULL DEFAULT 168 CHECK (submission_deadline_hours BETWEEN 0 AND 2160),
    agenda_lead_hours          integer NOT NULL DEFAULT 72 CHECK (agenda_lead_hours BETWEEN 0 AND 2160),
    cancel_when_empty          boolean NOT NULL DEFAULT false,
    holiday_policy             text NOT NULL DEFAULT 'move' CHECK (holiday_policy IN ('keep', 'skip', 'move')),
    skip_school_holidays       boolean NOT NULL DEFAULT false,
    exception_dates            date[] NOT NULL DEFAULT '{}',
    delivery_mode              text NOT NULL DEFAULT 'notice' CHECK (delivery_mode IN ('content', 'notice')),
    accepts                    text[] NOT NULL DEFAULT '{named,anonymous,system}',
    young_person_consent_age   integer CHECK (young_person_consent_age BETWEEN 10 AND 18),
    version                    integer NOT NULL DEFAULT 1,
    active                     boolean NOT NULL DEFAULT true,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    CHECK ((rrule IS NULL) = (series_start IS NULL))
);

-- Who takes part: everyone with `role` in `unit_id`, or one person. `presence`:
-- 'always', 'individual_cases' (e.g. the teacher responsible joins for their pupil's case).
CREATE TABLE arena_participants (
    id          uuid PRIMARY KEY,
    arena_id    uuid NOT NULL REFERENCES arenas (id) ON DELETE CASCADE,
    unit_id     uuid REFERENCES units (id),
    role        text,
    person_id   uuid REFERENCES people (id),
    presence    text NOT NULL DEFAULT 'always' CHECK (presence IN ('always', 'individual_cases')),
    CHECK (person_id IS NOT NULL OR (unit_id IS NOT NULL AND role IS NOT NULL))
);
CREATE INDEX arena_participants_arena ON arena_participants (arena_id);

-- School holidays the municipality enters per school year; series may skip them.
CREATE TABLE school_holidays (
    id           uuid PRIMARY KEY,
    school_year  text NOT NULL CHECK (school_year ~ '^[0-9]{4}/[0-9]{4}$'),
    name         text NOT NULL,
    first_day    date NOT NULL,
    last_day     date NOT NULL,
    CHECK (last_day >= first_day)
);

-- Meetings: materialized from an arena's series (occurrence_date = the rule's date, the
-- stable identity of the occurrence) or called (occurrence_date NULL, e.g. an ansvarsgruppe).
CREATE TABLE meetings (
    id                    uuid PRIMARY KEY,
    arena_id              uuid NOT NULL REFERENCES arenas (id),
    occurrence_date       date,
    starts_at             timestamptz NOT NULL,
    ends_at               timestamptz NOT NULL,
    location              text NOT NULL DEFAULT '',
    status                text NOT NULL DEFAULT 'planned'
                          CHECK (status IN ('planned', 'agenda_published', 'held', 'minutes_approved', 'cancelled')),
    capacity              integer NOT NULL,
    submission_deadline   timestamptz NOT NULL,
    agenda_due_at         timestamptz NOT NULL,
    child_id              uuid REFERENCES children (id),
    called_by             uuid REFERENCES people (id),
    sequence              integer NOT NULL DEFAULT 0,   -- iCalendar SEQUENCE
    cancelled_reason      text,
    agenda_published_at   timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (arena_id, occurrence_date),
    CHECK (ends_at > starts_at)
);
CREATE INDEX meetings_arena_start ON meetings (arena_id, starts_at);
CREATE INDEX meetings_agenda_due ON meetings (agenda_due_at) WHERE status = 'planned';

-- Explicit participants of a called meeting (family and helpers around one child).
CREATE TABLE meeting_participants (
    meeting_id  uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    person_id   uuid NOT NULL REFERENCES people (id),
    PRIMARY KEY (meeting_id, person_id)
);

-- Cases to an arena and referrals to a service. A named case carries the child and the
-- consent that covers it; an anonymous case carries no identifying data (screened);
-- a system case has no child.
CREATE TABLE cases (
    id                     uuid PRIMARY KEY,
    category               text NOT NULL CHECK (category IN ('case', 'referral')),
    kind                   text NOT NULL CHECK (kind IN ('named', 'anonymous', 'system')),
    arena_id               uuid REFERENCES arenas (id),
    target_service         text,
    child_id               uuid REFERENCES children (id),
    consent_id             uuid REFERENCES consents (id),
    submitting_unit_id     uuid NOT NULL REFERENCES units (id),
    submitted_by           uuid NOT NULL REFERENCES people (id),
    owner_id               uuid NOT NULL REFERENCES people (id),
    title                  text NOT NULL,
    grade                  integer CHECK (grade BETWEEN 0 AND 13),
    concern                text NOT NULL,
    adaptations_tried      text NOT NULL DEFAULT '',
    responsible_note       text NOT NULL DEFAULT '',
    urgent                 boolean NOT NULL DEFAULT false,
    status                 text NOT NULL DEFAULT 'submitted'
                           CHECK (status IN ('submitted', 'scheduled', 'discussed', 'closed', 'referred_on', 'withdrawn', 'awaiting_information')),
    screening_flags        text[] NOT NULL DEFAULT '{}',
    origin_case_id         uuid REFERENCES cases (id),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    withdrawn_at           timestamptz,
    CHECK ((kind = 'named') = (child_id IS NOT NULL)),
    CHECK (kind <> 'named' OR consent_id IS NOT NULL),
    CHECK (category = 'case' OR target_service IS NOT NULL),
    CHECK (category = 'referral' OR arena_id IS NOT NULL)
);
CREATE INDEX cases_arena_status ON cases (arena_id, status);
CREATE INDEX cases_child ON cases (child_id) WHERE child_id IS NOT NULL;
CREATE INDEX cases_created ON cases (created_at, id);
-- Reconciliation: open cases waiting for a meeting.
CREATE INDEX cases_unscheduled ON cases (created_at) WHERE status = 'submitted';

-- What a referral must say (seed 003: the municipality adds to incomplete referrals).
CREATE TABLE referral_details (
    case_id                  uuid PRIMARY KEY REFERENCES cases (id),
    parental_responsibility  uuid[] NOT NULL,    -- guardians with foreldreansvar
    daily_care               uuid[] NOT NULL,    -- guardians with daglig omsorg
    consented_by             uuid[] NOT NULL,
    question                 text NOT NULL,      -- problemstilling
    measures_tried           text NOT NULL,
    current_services         text[] NOT NULL,
    intake_decision          text CHECK (intake_decision IN ('accepted', 'rejected', 'needs_more_information')),
    decided_at               timestamptz,
    follow_up_owner_id       uuid REFERENCES people (id)
);

CREATE TABLE agenda_items (
    id                uuid PRIMARY KEY,
    meeting_id        uuid NOT NULL REFERENCES meetings (id),
    case_id           uuid REFERENCES cases (id),
    title             text,                         -- items without a case (called meetings)
    position          integer NOT NULL,
    presenter_id      uuid REFERENCES people (id),
    minutes_allotted  integer NOT NULL DEFAULT 15,
    reason            text NOT NULL,
    over_capacity     boolean NOT NULL DEFAULT false,
    removed_at        timestamptz,
    removed_reason    text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (case_id IS NOT NULL OR title IS NOT NULL)
);
-- A case is on at most one agenda at a time: the database, not luck, prevents doubles.
CREATE UNIQUE INDEX agenda_items_one_per_case ON agenda_items (case_id) WHERE removed_at IS NULL AND case_id IS NOT NULL;
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id) WHERE removed_at IS NULL;

CREATE TABLE minutes (
    meeting_id     uuid PRIMARY KEY REFERENCES meetings (id),
    status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved')),
    present        uuid[] NOT NULL DEFAULT '{}',
    absent         uuid[] NOT NULL DEFAULT '{}',
    general_notes  text NOT NULL DEFAULT '',
    version        integer NOT NULL DEFAULT 1,
    updated_by     uuid REFERENCES people (id),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    approved_by    uuid REFERENCES people (id),
    approved_at    timestamptz
);

CREATE TABLE minutes_entries (
    meeting_id      uuid NOT NULL REFERENCES minutes (meeting_id),
    agenda_item_id  uuid NOT NULL REFERENCES agenda_items (id),
    discussion      text NOT NULL DEFAULT '',
    decision        text,
    decision_text   text NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, agenda_item_id)
);

CREATE TABLE follow_up_actions (
    id              uuid PRIMARY KEY,
    meeting_id      uuid NOT NULL REFERENCES meetings (id),
    agenda_item_id  uuid REFERENCES agenda_items (id),
    description     text NOT NULL,
    responsible_id  uuid REFERENCES people (id),
    due_date        date,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX follow_up_actions_meeting ON follow_up_actions (meeting_id);

-- Who read or changed a child's data, when, and on which basis. Written in the same
-- transaction as the read's query or the change.
CREATE TABLE access_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor_id     uuid NOT NULL,
    action       text NOT NULL,
    resource     text NOT NULL,
    resource_id  uuid,
    child_id     uuid,
    basis        text NOT NULL,
    consent_id   uuid,
    request_id   text
);
CREATE INDEX access_log_child ON access_log (child_id, at);
CREATE INDEX access_log_actor ON access_log (actor_id, at);

-- Idempotency-Key: the first response to (principal, key) is kept and returned again for
-- the same request; the same key with another body is refused.
CREATE TABLE idempotency_keys (
    principal_id   uuid NOT NULL,
    key            text NOT NULL,
    request_hash   text NOT NULL,
    status         integer,
    response_body  text,
    location       text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
