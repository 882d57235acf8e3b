-- pgbench ceiling for row 1: the SQL transaction POST /v1/cases runs for a system case
-- submitted by a member of the arena's owning unit (no Idempotency-Key header), statement
-- for statement, in the same order. Keep in sync with:
--   Sources/SamtakIntake/HTTP/Mutation.swift        mutate: BEGIN ... COMMIT (pool.withTransaction)
--   Sources/SamtakIntake/Routes/CaseRoutes.swift    submitCase: arena check, INSERT cases
--   Sources/SamtakMessaging/Outbox.swift            INSERT outbox (the statement trigger NOTIFYs)
--   Sources/SamtakIntake/Routes/CaseStore.swift     read: load, access (arenaScope, isParticipant), resource (scheduled)
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
INSERT INTO cases (id, category, kind, arena_id, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade, concern, adaptations_tried, responsible_note, urgent, screening_flags) VALUES (gen_random_uuid(), 'case', 'system', :arena::uuid, NULL::uuid, NULL::uuid, :unit::uuid, :person::uuid, :person::uuid, :title::text, NULL::int8, :concern::text, ''::text, ''::text, false, '{}'::text[]) RETURNING id AS case_id \gset
INSERT INTO outbox (event_id, topic, event_key, event_type, source, subject, occurred_at, data) VALUES (gen_random_uuid(), :topic::text, :case_id::text, 'case.submitted'::text, '/samtak/intake'::text, :case_id::text, now(), jsonb_build_object('arena_id', :arena::text, 'case_id', :case_id::text, 'kind', 'system', 'unit_id', :unit::text, 'urgent', false));
SELECT c.id, c.category, c.kind, c.arena_id, c.target_service, c.child_id, c.consent_id, c.submitting_unit_id, c.submitted_by, c.owner_id, c.title, c.grade, c.concern, c.adaptations_tried, c.responsible_note, c.urgent, c.status, c.screening_flags, c.origin_case_id, c.created_at, c.updated_at FROM cases c WHERE c.id = :case_id::uuid;
SELECT a.young_person_consent_age, coalesce(array_agg(DISTINCT coalesce(u.service, pu.service)) FILTER (WHERE coalesce(u.service, pu.service) IS NOT NULL), '{}') FROM arenas a LEFT JOIN arena_participants ap ON ap.arena_id = a.id LEFT JOIN units u ON u.id = ap.unit_id LEFT JOIN memberships pm ON pm.person_id = ap.person_id AND ap.unit_id IS NULL LEFT JOIN units pu ON pu.id = pm.unit_id WHERE a.id = :arena::uuid GROUP BY a.id;
SELECT unit_id, role, person_id FROM arena_participants WHERE arena_id = :arena::uuid;
SELECT ai.meeting_id, m.starts_at, ai.position, ai.over_capacity FROM agenda_items ai JOIN meetings m ON m.id = ai.meeting_id WHERE ai.case_id = :case_id::uuid AND ai.removed_at IS NULL;
COMMIT;
