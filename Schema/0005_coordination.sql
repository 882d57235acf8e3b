-- Cooperation around one child (issue 6): the coordinator and handovers, the coordination
-- log (stafettlogg) with measures and notes, the individual plan (IP), transition-meeting
-- seasons, and the links of called meetings. Rules: SamtakDomain/Coordination; API:
-- SamtakIntake/Routes/Coordination*.swift, CalledMeetingRoutes, TransitionRoutes.

-- The coordinator (stafettholder / IP-koordinator / barnekoordinator): one active row per
-- child; every earlier assignment stays as history. `consent_id` is the consent that
-- covered the coordinator's service when assigned (`unit_id` is that membership's unit).
CREATE TABLE coordinators (
    id            uuid PRIMARY KEY,
    child_id      uuid NOT NULL REFERENCES children (id),
    person_id     uuid NOT NULL REFERENCES people (id),
    unit_id       uuid NOT NULL REFERENCES units (id),
    service       text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('stafettholder', 'ip_coordinator', 'child_coordinator')),
    consent_id    uuid NOT NULL REFERENCES consents (id),
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    assigned_by   uuid NOT NULL REFERENCES people (id),
    handover_id   uuid,                                 -- the accepted handover that made this assignment
    started_at    timestamptz NOT NULL DEFAULT now(),
    ended_at      timestamptz,
    ended_reason  text CHECK (ended_reason IN ('handed_over', 'released')),
    CHECK ((status = 'active') = (ended_at IS NULL))
);
-- One coordinator at a time: the database, not luck, keeps it so.
CREATE UNIQUE INDEX coordinators_one_active ON coordinators (child_id) WHERE status = 'active';
CREATE INDEX coordinators_child ON coordinators (child_id, started_at);

-- A handover asks another person to take over; it takes effect only when they accept.
CREATE TABLE coordinator_handovers (
    id                   uuid PRIMARY KEY,
    child_id             uuid NOT NULL REFERENCES children (id),
    from_coordinator_id  uuid NOT NULL REFERENCES coordinators (id),
    from_person_id       uuid NOT NULL REFERENCES people (id),
    to_person_id         uuid NOT NULL REFERENCES people (id),
    to_unit_id           uuid NOT NULL REFERENCES units (id),
    consent_id           uuid NOT NULL REFERENCES consents (id),
    status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled')),
    note                 text NOT NULL DEFAULT '',
    requested_at         timestamptz NOT NULL DEFAULT now(),
    responded_at         timestamptz,
    responded_by         uuid REFERENCES people (id),
    CHECK ((status = 'pending') = (responded_at IS NULL)),
    CHECK (from_person_id <> to_person_id)
);
CREATE UNIQUE INDEX coordinator_handovers_one_pending ON coordinator_handovers (child_id) WHERE status = 'pending';
CREATE INDEX coordinator_handovers_child ON coordinator_handovers (child_id, requested_at);
CREATE INDEX coordinator_handovers_to ON coordinator_handovers (to_person_id) WHERE status = 'pending';

-- The individual plan: goals in the child's own words ("hva er viktig for deg"), the
-- services responsible, measures (coordination_measures.plan_id); its ansvarsgruppe
-- meetings point to it (meetings.individual_plan_id). The coordinator is the child's.
CREATE TABLE individual_plans (
    id                    uuid PRIMARY KEY,
    child_id              uuid NOT NULL REFERENCES children (id),
    status                text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    goals                 text[] NOT NULL,
    responsible_services  text[] NOT NULL,
    consent_id            uuid NOT NULL REFERENCES consents (id),
    version               integer NOT NULL DEFAULT 1,
    created_by            uuid NOT NULL REFERENCES people (id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    closed_at             timestamptz,
    CHECK (cardinality(goals) > 0)
);
CREATE UNIQUE INDEX individual_plans_one_active ON individual_plans (child_id) WHERE status = 'active';

-- The coordination log (stafettlogg): one open log per child; closed logs are read-only.
CREATE TABLE coordination_logs (
    id                  uuid PRIMARY KEY,
    child_id            uuid NOT NULL REFERENCES children (id),
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_by           uuid NOT NULL REFERENCES people (id),
    opened_at           timestamptz NOT NULL DEFAULT now(),
    closed_by           uuid REFERENCES people (id),
    closed_at           timestamptz,
    closed_reason       text CHECK (closed_reason IN ('individual_plan', 'goals_reached', 'family_withdrew', 'moved_away', 'other')),
    individual_plan_id  uuid REFERENCES individual_plans (id),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE UNIQUE INDEX coordination_logs_one_open ON coordination_logs (child_id) WHERE status = 'open';
CREATE INDEX coordination_logs_child ON coordination_logs (child_id, opened_at);

-- Measures (tiltak): what, by whom (owner), from when, when it is evaluated, and the
-- evaluation. A measure belongs to a log, to a plan, or to both (a log's open measures
-- move into the plan that takes over). `follow_up_action_id`: the measure came from an
-- approved minutes' follow-up action (at most once). `evaluation_due_notified_at`: the
-- reminder for the current evaluation date was announced (reset when a new date is set).
CREATE TABLE coordination_measures (
    id                          uuid PRIMARY KEY,
    child_id                    uuid NOT NULL REFERENCES children (id),
    log_id                      uuid REFERENCES coordination_logs (id),
    plan_id                     uuid REFERENCES individual_plans (id),
    description                 text NOT NULL,
    owner_id                    uuid NOT NULL REFERENCES people (id),
    service                     text,
    starts_on                   date NOT NULL,
    evaluation_due_on           date NOT NULL,
    status                      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'stopped')),
    evaluation                  text,
    evaluated_at                timestamptz,
    evaluated_by                uuid REFERENCES people (id),
    evaluation_due_notified_at  timestamptz,
    source                      text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'minutes')),
    meeting_id                  uuid REFERENCES meetings (id),
    follow_up_action_id         uuid UNIQUE REFERENCES follow_up_actions (id),
    created_by                  uuid NOT NULL REFERENCES people (id),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK (log_id IS NOT NULL OR plan_id IS NOT NULL),
    CHECK (evaluation_due_on >= starts_on)
);
CREATE INDEX coordination_measures_log ON coordination_measures (log_id, created_at) WHERE log_id IS NOT NULL;
CREATE INDEX coordination_measures_plan ON coordination_measures (plan_id, created_at) WHERE plan_id IS NOT NULL;
CREATE INDEX coordination_measures_child ON coordination_measures (child_id, created_at);
-- The reminder's walk: active measures not yet reminded, by evaluation date.
CREATE INDEX coordination_measures_due ON coordination_measures (evaluation_due_on, id)
    WHERE status = 'active' AND evaluation_due_notified_at IS NULL;

-- Notes of progress and transitions (a handover writes one too).
CREATE TABLE coordination_notes (
    id          uuid PRIMARY KEY,
    log_id      uuid NOT NULL REFERENCES coordination_logs (id),
    child_id    uuid NOT NULL REFERENCES children (id),
    kind        text NOT NULL CHECK (kind IN ('progress', 'transition', 'handover')),
    text        text NOT NULL,
    author_id   uuid NOT NULL REFERENCES people (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coordination_notes_log ON coordination_notes (log_id, created_at);

-- Called meetings: what they belong to. `origin_case_id`: the ressursteam case whose
-- decision called it; `individual_plan_id`: the plan an ansvarsgruppe meeting serves;
-- `consent_id`: the consent that lifts confidentiality between its participants;
-- `series_id`: meetings called together as a short follow-up series.
ALTER TABLE meetings ADD COLUMN origin_case_id uuid REFERENCES cases (id);
ALTER TABLE meetings ADD COLUMN individual_plan_id uuid REFERENCES individual_plans (id);
ALTER TABLE meetings ADD COLUMN consent_id uuid REFERENCES consents (id);
ALTER TABLE meetings ADD COLUMN series_id uuid;
CREATE INDEX meetings_child ON meetings (child_id, starts_at) WHERE child_id IS NOT NULL;
CREATE INDEX meetings_origin_case ON meetings (origin_case_id) WHERE origin_case_id IS NOT NULL;

-- A ressursteam's "call a samarbeidsmøte" may name the meeting's time in the minutes.
ALTER TABLE minutes_entries ADD COLUMN call_starts_at timestamp without time zone;

-- Transition meetings for a school year: one season per (school year, stage, receiving
-- unit), one meeting per sending unit (seasons' meetings are `meetings` rows of the
-- transition arena), one item per child whose guardians consented.
CREATE TABLE transition_seasons (
    id                 uuid PRIMARY KEY,
    school_year        text NOT NULL CHECK (school_year ~ '^[0-9]{4}/[0-9]{4}$'),
    stage              text NOT NULL CHECK (stage IN ('kindergarten_to_school', 'primary_to_lower_secondary', 'lower_secondary_to_upper_secondary')),
    arena_id           uuid NOT NULL REFERENCES arenas (id),
    receiving_unit_id  uuid NOT NULL REFERENCES units (id),
    created_by         uuid NOT NULL REFERENCES people (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (school_year, stage, receiving_unit_id)
);

CREATE TABLE transition_meetings (
    meeting_id                uuid PRIMARY KEY REFERENCES meetings (id),
    season_id                 uuid NOT NULL REFERENCES transition_seasons (id),
    sending_unit_id           uuid NOT NULL REFERENCES units (id),
    children_without_consent  integer NOT NULL DEFAULT 0,
    UNIQUE (season_id, sending_unit_id)
);

-- One named item: a named case on the meeting's agenda (so agendas and minutes treat it
-- like any case), the consent it stands on, the categories that consent releases, and
-- the sending side's information per category.
CREATE TABLE transition_items (
    case_id                uuid PRIMARY KEY REFERENCES cases (id),
    meeting_id             uuid NOT NULL REFERENCES meetings (id),
    child_id               uuid NOT NULL REFERENCES children (id),
    consent_id             uuid NOT NULL REFERENCES consents (id),
    information            text[] NOT NULL,
    special_needs_support  boolean NOT NULL DEFAULT false,
    school_situation       text,
    special_needs          text,
    health                 text,
    family                 text,
    updated_by             uuid REFERENCES people (id),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (meeting_id, child_id)
);
