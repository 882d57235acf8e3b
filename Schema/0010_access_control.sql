-- Issue 12, access control: consent rules, guardianships from the register, corrections.
--
-- consents.unit_ids: the schools, kindergartens and SFOs a consent names besides the child's
--   own ("school" in a consent means the child's own school; a transition to another school
--   needs that school named, or the transition arena).
-- consents.guardian_rule: whose consent the purpose needed when it was recorded
--   (one_guardian, all_with_parental_responsibility, young_person; NULL before 0010).
-- consents.ended_reason: set when an administrator ended the consent as a correction
--   (withdrawn_at/withdrawn_by are set too, so it stops covering anyone at once).
-- consents.services: no repeats, bounded (a probe stored 10,000 entries).
-- consent_givers: who gave a consent, how (written, oral_recorded, digital) and when, one
--   row per guardian and one for the young person; filled for older consents from given_by.
--   Issue 17 (digital consent) adds rows given by the guardians themselves (recorded_by NULL).
-- guardianships.source/recorded_by/recorded_at: where a guardianship comes from (the
--   population register, or an administrator entering it); rows recorded by staff before
--   0010 are marked 'legacy' for an administrator to review.
-- register_corrections: the audit trail of an administrator ending a guardianship or a
--   consent, with the reason and what was ended. An ended guardianship leaves
--   `guardianships` (its row is kept here as it was).

ALTER TABLE consents ADD COLUMN unit_ids uuid[] NOT NULL DEFAULT '{}';
ALTER TABLE consents ADD COLUMN guardian_rule text
    CHECK (guardian_rule IN ('one_guardian', 'all_with_parental_responsibility', 'young_person'));
ALTER TABLE consents ADD COLUMN ended_reason text
    CHECK (ended_reason IN ('recorded_in_error', 'wrong_child', 'wrong_person', 'register_changed', 'test_data'));
ALTER TABLE consents ADD CONSTRAINT consents_ended_is_withdrawn CHECK (ended_reason IS NULL OR withdrawn_at IS NOT NULL);

UPDATE consents SET services = ARRAY(SELECT DISTINCT s FROM unnest(services) AS s ORDER BY s)
WHERE cardinality(services) <> (SELECT count(DISTINCT s) FROM unnest(services) AS s);
UPDATE consents SET arena_ids = ARRAY(SELECT DISTINCT a FROM unnest(arena_ids) AS a ORDER BY a)
WHERE cardinality(arena_ids) <> (SELECT count(DISTINCT a) FROM unnest(arena_ids) AS a);
ALTER TABLE consents ADD CONSTRAINT consents_services_bounded CHECK (cardinality(services) <= 32);
ALTER TABLE consents ADD CONSTRAINT consents_arenas_bounded CHECK (cardinality(arena_ids) <= 50);
ALTER TABLE consents ADD CONSTRAINT consents_units_bounded CHECK (cardinality(unit_ids) <= 20);

CREATE TABLE consent_givers (
    consent_id   uuid NOT NULL REFERENCES consents (id),
    party        text NOT NULL CHECK (party IN ('guardian', 'young_person')),
    person_id    uuid REFERENCES people (id),      -- the guardian; the young person's login, if any
    method       text NOT NULL CHECK (method IN ('written', 'oral_recorded', 'digital')),
    given_at     timestamptz NOT NULL,
    recorded_by  uuid REFERENCES people (id),      -- staff who recorded it; NULL when given digitally
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (party = 'young_person' OR person_id IS NOT NULL)
);
CREATE UNIQUE INDEX consent_givers_once ON consent_givers (consent_id, party, person_id) NULLS NOT DISTINCT;

INSERT INTO consent_givers (consent_id, party, person_id, method, given_at, recorded_by, recorded_at)
SELECT c.id, 'guardian', g.guardian, c.method, c.recorded_at, c.recorded_by, c.recorded_at
FROM consents c CROSS JOIN LATERAL (SELECT DISTINCT unnest(c.given_by) AS guardian) g
WHERE EXISTS (SELECT 1 FROM people p WHERE p.id = g.guardian);
INSERT INTO consent_givers (consent_id, party, person_id, method, given_at, recorded_by, recorded_at)
SELECT c.id, 'young_person', ch.person_id, c.method, c.recorded_at, c.recorded_by, c.recorded_at
FROM consents c JOIN children ch ON ch.id = c.child_id
WHERE c.young_person_consented;

ALTER TABLE guardianships ADD COLUMN source text NOT NULL DEFAULT 'register'
    CHECK (source IN ('register', 'administrator', 'legacy'));
ALTER TABLE guardianships ADD COLUMN recorded_by uuid REFERENCES people (id);
ALTER TABLE guardianships ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
-- Before 0010 any staff member could add a guardian: those rows cannot be told from the
-- register's, so all existing rows are marked for review.
UPDATE guardianships SET source = 'legacy';

CREATE TABLE register_corrections (
    id                       uuid PRIMARY KEY,
    kind                     text NOT NULL CHECK (kind IN ('guardianship_ended', 'consent_ended')),
    child_id                 uuid NOT NULL REFERENCES children (id),
    guardian_id              uuid REFERENCES people (id),
    consent_id               uuid REFERENCES consents (id),
    -- The ended guardianship as it was.
    parental_responsibility  boolean,
    daily_care               boolean,
    guardianship_source      text,
    guardianship_recorded_by uuid,
    guardianship_recorded_at timestamptz,
    reason                   text NOT NULL
                             CHECK (reason IN ('recorded_in_error', 'wrong_child', 'wrong_person', 'register_changed', 'test_data')),
    note                     text NOT NULL DEFAULT '',
    corrected_by             uuid NOT NULL REFERENCES people (id),
    corrected_at             timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'guardianship_ended') = (guardian_id IS NOT NULL)),
    CHECK ((kind = 'consent_ended') = (consent_id IS NOT NULL))
);
CREATE INDEX register_corrections_child ON register_corrections (child_id, corrected_at);
