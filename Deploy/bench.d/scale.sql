-- The data set of a municipality of about 50,000 inhabitants after five years of Samtak
-- (issue 20, "Scale"), generated on top of the demo municipality (`samtak-admin demo`).
--
--   psql -v scale=1.0 -f scale.sql        (scale 1.0 = the full size; 0.1 = a tenth)
--
-- What it adds, at scale 1.0:
--   children          8,000   (two guardians each, 60 % with a consent in force)
--   guardians        16,000   people of kind 'guardian', with their guardianships
--   arenas (series)     300   the demo's 55 and copies of them (same rhythm and participants)
--   meetings         20,000   about 67 per arena: one every four weeks back five years, the
--                             last few ahead (planned); the past ones have approved minutes
--   cases            50,000   2 to 3 per past meeting, 60 % named (a child with a consent)
--   agenda items     50,000   one per case, completed
--   access-log rows  5,000,000 spread over five years, over every child and staff member
--
-- Everything is generated set-wise in one transaction (no per-row round trips). Names are
-- invented ("Barn 17", "Forelder 17 A"): no real person is in it. The outbox is left alone:
-- the rows are history, not news.
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL synchronous_commit = off;

CREATE TEMP TABLE scale_units AS SELECT DISTINCT unit_id AS id FROM children WHERE unit_id IS NOT NULL;
CREATE TEMP TABLE scale_staff AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM people WHERE kind = 'staff';
CREATE TEMP TABLE scale_counts AS SELECT
    (SELECT count(*) FROM scale_units) AS units,
    (SELECT count(*) FROM scale_staff) AS staff,
    round(8000 * :scale)::int AS children,
    round(300 * :scale)::int AS arenas,
    round(20000 * :scale)::int AS meetings,
    round(50000 * :scale)::int AS cases,
    round(5000000 * :scale)::int AS access_rows;

-- Children, their guardians and guardianships.
CREATE TEMP TABLE scale_children AS
SELECT gen_random_uuid() AS id, g AS n,
       (SELECT id FROM scale_units ORDER BY id OFFSET (g % (SELECT units FROM scale_counts)) LIMIT 1) AS unit_id,
       gen_random_uuid() AS guardian_a, gen_random_uuid() AS guardian_b
FROM generate_series(1, (SELECT children FROM scale_counts)) g;
INSERT INTO children (id, name, birth_date, unit_id, grade, created_by)
SELECT c.id, 'Barn ' || c.n, date '2010-01-01' + (c.n % 5000), c.unit_id, c.n % 11,
       (SELECT id FROM scale_staff WHERE n = 1 + c.n % (SELECT staff FROM scale_counts))
FROM scale_children c;
INSERT INTO people (id, kind, name)
SELECT guardian_a, 'guardian', 'Forelder ' || n || ' A' FROM scale_children
UNION ALL SELECT guardian_b, 'guardian', 'Forelder ' || n || ' B' FROM scale_children;
INSERT INTO guardianships (child_id, guardian_id, source)
SELECT id, guardian_a, 'register' FROM scale_children UNION ALL SELECT id, guardian_b, 'register' FROM scale_children;

-- Consents for 60 % of them (the demo's first consent's services).
CREATE TEMP TABLE scale_consents AS
SELECT gen_random_uuid() AS id, c.id AS child_id, c.n, c.unit_id, ARRAY[c.guardian_a, c.guardian_b] AS given_by
FROM scale_children c WHERE c.n % 10 < 6;
INSERT INTO consents (id, child_id, given_by, services, information, valid_from, method, recorded_by)
SELECT s.id, s.child_id, s.given_by, (SELECT services FROM consents ORDER BY recorded_at, id LIMIT 1), '{}',
       current_date - (s.n % 1800), 'written', (SELECT id FROM scale_staff WHERE n = 1 + s.n % (SELECT staff FROM scale_counts))
FROM scale_consents s;

-- Arenas: copies of the demo's, with their participants, up to the series count.
CREATE TEMP TABLE scale_arena_copies AS
SELECT gen_random_uuid() AS id, a.id AS original, k
FROM arenas a CROSS JOIN generate_series(1, 20) k
ORDER BY k, a.id
LIMIT greatest(0, (SELECT arenas FROM scale_counts) - (SELECT count(*) FROM arenas));
INSERT INTO arenas (id, name, kind, owner_unit_id, owner_person_id, target_group, purpose, frequency_text, rrule, series_start,
                    duration_minutes, location, capacity, minutes_per_case, submission_deadline_hours, agenda_lead_hours,
                    cancel_when_empty, holiday_policy, skip_school_holidays, exception_dates, delivery_mode, accepts,
                    young_person_consent_age, follow_up_days)
SELECT c.id, a.name || ' (skala ' || c.k || ')', a.kind, a.owner_unit_id, a.owner_person_id, a.target_group, a.purpose, a.frequency_text,
       a.rrule, a.series_start, a.duration_minutes, a.location, a.capacity, a.minutes_per_case, a.submission_deadline_hours,
       a.agenda_lead_hours, a.cancel_when_empty, a.holiday_policy, a.skip_school_holidays, a.exception_dates, a.delivery_mode,
       a.accepts, a.young_person_consent_age, a.follow_up_days
FROM scale_arena_copies c JOIN arenas a ON a.id = c.original;
INSERT INTO arena_participants (id, arena_id, unit_id, role, person_id, presence)
SELECT gen_random_uuid(), c.id, p.unit_id, p.role, p.person_id, p.presence
FROM scale_arena_copies c JOIN arena_participants p ON p.arena_id = c.original;

-- Meetings: every four weeks per arena, back five years, a few ahead.
CREATE TEMP TABLE scale_arenas AS SELECT id, owner_unit_id, capacity, row_number() OVER (ORDER BY id) AS n FROM arenas;
CREATE TEMP TABLE scale_meetings AS
SELECT gen_random_uuid() AS id, a.id AS arena_id, a.owner_unit_id, a.capacity, k,
       date_trunc('day', now()) + interval '13 hours' - (k * interval '28 days') + (a.n % 20) * interval '1 day' AS starts_at
FROM scale_arenas a
CROSS JOIN generate_series(-3, ceil((SELECT meetings FROM scale_counts)::numeric / (SELECT count(*) FROM scale_arenas))::int - 4) k;
INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, status, capacity, submission_deadline, agenda_due_at, agenda_published_at)
SELECT id, arena_id, starts_at::date, starts_at, starts_at + interval '90 minutes',
       CASE WHEN k > 0 THEN 'minutes_approved' ELSE 'planned' END, capacity,
       starts_at - interval '7 days', starts_at - interval '3 days', CASE WHEN k > 0 THEN starts_at - interval '3 days' END
FROM scale_meetings;

-- Cases on the past meetings: named ones on a consented child, the rest anonymous.
CREATE TEMP TABLE scale_past AS SELECT id, arena_id, owner_unit_id, starts_at, row_number() OVER (ORDER BY id) AS n FROM scale_meetings WHERE k > 0;
CREATE TEMP TABLE scale_consent_list AS SELECT id, child_id, row_number() OVER (ORDER BY id) AS n FROM scale_consents;
CREATE TEMP TABLE scale_cases AS
SELECT gen_random_uuid() AS id, g AS n, m.id AS meeting_id, m.arena_id, m.owner_unit_id, m.starts_at, cl.child_id, cl.id AS consent_id
FROM generate_series(1, (SELECT cases FROM scale_counts)) g
JOIN scale_past m ON m.n = 1 + g % (SELECT count(*) FROM scale_past)
LEFT JOIN scale_consent_list cl ON g % 10 < 6 AND cl.n = 1 + g % (SELECT count(*) FROM scale_consent_list);
INSERT INTO cases (id, category, kind, arena_id, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade,
                   concern, status, created_at, updated_at)
SELECT c.id, 'case', CASE WHEN c.child_id IS NULL THEN 'anonymous' ELSE 'named' END, c.arena_id, c.child_id, c.consent_id,
       c.owner_unit_id, s.id, s.id, 'Sak ' || c.n, c.n % 11, 'Bekymring for eleven.', CASE WHEN c.n % 3 = 0 THEN 'closed' ELSE 'discussed' END,
       c.starts_at - interval '14 days', c.starts_at
FROM scale_cases c JOIN scale_staff s ON s.n = 1 + c.n % (SELECT staff FROM scale_counts);
INSERT INTO agenda_items (id, meeting_id, case_id, position, reason, created_at, completed_at)
SELECT gen_random_uuid(), meeting_id, id, row_number() OVER (PARTITION BY meeting_id ORDER BY n), 'earliest_open_meeting',
       starts_at - interval '10 days', starts_at + interval '90 minutes'
FROM scale_cases;

-- The access log: five years of reads of the children's data by staff.
INSERT INTO access_log (at, actor_id, action, resource, resource_id, child_id, basis, consent_id, request_id)
SELECT now() - (g::double precision / (SELECT access_rows FROM scale_counts)) * interval '1826 days',
       s.id, 'read', (ARRAY['agenda', 'case', 'minutes', 'timeline', 'child'])[1 + g % 5], c.id, c.id,
       (ARRAY['consent', 'own_unit', 'participant', 'owner'])[1 + g % 4], NULL, 'scale-' || g
FROM generate_series(1, (SELECT access_rows FROM scale_counts)) g
JOIN scale_children c ON c.n = 1 + (g::bigint * 7919) % (SELECT children FROM scale_counts)
JOIN scale_staff s ON s.n = 1 + g % (SELECT staff FROM scale_counts);

COMMIT;
ANALYZE;
SELECT (SELECT count(*) FROM children) AS children, (SELECT count(*) FROM arenas) AS arenas,
       (SELECT count(*) FROM meetings) AS meetings, (SELECT count(*) FROM cases) AS cases,
       (SELECT count(*) FROM access_log) AS access_log_rows,
       pg_size_pretty(pg_database_size(current_database())) AS database_size;
