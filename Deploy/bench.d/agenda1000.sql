-- Row 5's meeting: an arena in `content` mode whose participants are :recipients people with
-- e-mail addresses (one arena_participants person row each), and one planned, called
-- meeting (no series: the planner leaves it alone) with five system cases on its agenda,
-- its agenda due tomorrow. Deploy/bench then sets agenda_due_at = now(): the scheduler's
-- agenda publisher publishes it (agenda.published), the notifier fans it out and delivers.
-- Variables: unit (owning unit), owner (a staff person: submitter and presenter of the
-- cases), recipients. Prints the meeting id.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bench_ids ON COMMIT DROP AS SELECT gen_random_uuid() AS arena_id, gen_random_uuid() AS meeting_id;
INSERT INTO arenas (id, name, kind, owner_unit_id, target_group, purpose, frequency_text, capacity, delivery_mode, accepts)
SELECT arena_id, 'Bench: fagsamling for alle ansatte', 'network', :'unit', 'Alle ansatte', 'Måling av utsending', 'Etter behov',
       10, 'content', '{system}'
FROM bench_ids;
WITH p AS (
    INSERT INTO people (id, kind, name, email)
    SELECT gen_random_uuid(), 'staff', 'Bench mottaker ' || n, 'bench-mottaker-' || n || '@nordby.example'
    FROM generate_series(1, :recipients) AS n
    RETURNING id
)
INSERT INTO arena_participants (id, arena_id, person_id, presence)
SELECT gen_random_uuid(), (SELECT arena_id FROM bench_ids), p.id, 'always' FROM p;
INSERT INTO meetings (id, arena_id, starts_at, ends_at, location, capacity, submission_deadline, agenda_due_at)
SELECT meeting_id, arena_id, now() + interval '2 days', now() + interval '2 days 90 minutes', 'Kulturhuset, store sal', 10,
       now() + interval '1 day', now() + interval '1 day'
FROM bench_ids;
WITH c AS (
    INSERT INTO cases (id, category, kind, arena_id, submitting_unit_id, submitted_by, owner_id, title, concern, status)
    SELECT gen_random_uuid(), 'case', 'system', b.arena_id, :'unit', :'owner', :'owner',
           'Bench-sak ' || n || ': rutiner for samarbeid', 'Drøfting av felles rutiner på systemnivå.', 'scheduled'
    FROM bench_ids b, generate_series(1, 5) AS n
    RETURNING id, title
)
INSERT INTO agenda_items (id, meeting_id, case_id, position, presenter_id, minutes_allotted, reason)
SELECT gen_random_uuid(), (SELECT meeting_id FROM bench_ids), c.id, row_number() OVER (ORDER BY c.title), :'owner', 15,
       'earliest_open_meeting'
FROM c;
SELECT meeting_id FROM bench_ids;
COMMIT;
