-- pgbench ceiling for row 1: the SQL transaction POST /v1/cases runs for a system case
-- submitted by a member of the arena's owning unit (no Idempotency-Key header), statement
-- for statement, in the same order, in a session like the intake's (Deploy/bench sets
-- samtak.relay_local=on for it, so the outbox trigger does not NOTIFY). Keep in sync with:
--   Sources/SamtakIntake/HTTP/Mutation.swift        mutate: BEGIN ... COMMIT (pool.withTransaction)
--   Sources/SamtakIntake/Routes/CaseRoutes.swift    submitCase: arena check, INSERT cases ... RETURNING (the
--                                                   answer is built from the returned row: CaseStore.readInserted)
--   Sources/SamtakMessaging/Outbox.swift            INSERT outbox
-- Not mirrored: the principal lookup (cached 5 s per person in the intake). The case id is
-- made by the server here (RETURNING ... \gset, no extra round trip); the handler makes it
-- in Swift; the event's JSON is built by jsonb_build_object (pgbench would read the colons
-- of a JSON literal as variables), the handler sends it as text. Variables (-D): arena,
-- unit, person, topic, title, concern.
BEGIN;
SELECT active, accepts,
       owner_unit_id = :unit::uuid
       OR EXISTS (SELECT 1 FROM arena_participants WHERE arena_id = arenas.id AND unit_id = :unit::uuid)
FROM arenas WHERE id = :arena::uuid;
INSERT INTO cases AS c (id, category, kind, arena_id, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade, concern, adaptations_tried, responsible_note, urgent, screening_flags) VALUES (gen_random_uuid(), 'case', 'system', :arena::uuid, NULL::uuid, NULL::uuid, :unit::uuid, :person::uuid, :person::uuid, :title::text, NULL::int8, :concern::text, ''::text, ''::text, false, '{}'::text[]) RETURNING c.id AS case_id, c.category, c.kind, c.arena_id, c.target_service, c.child_id, c.consent_id, c.submitting_unit_id, c.submitted_by, c.owner_id, c.title, c.grade, c.concern, c.adaptations_tried, c.responsible_note, c.urgent, c.status, c.screening_flags, c.origin_case_id, c.created_at, c.updated_at \gset
INSERT INTO outbox (event_id, topic, event_key, event_type, source, subject, occurred_at, data) VALUES (gen_random_uuid(), :topic::text, :case_id::text, 'case.submitted'::text, '/samtak/intake'::text, :case_id::text, now(), jsonb_build_object('arena_id', :arena::text, 'case_id', :case_id::text, 'kind', 'system', 'unit_id', :unit::text, 'urgent', false));
COMMIT;
