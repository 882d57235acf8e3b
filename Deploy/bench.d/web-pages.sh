#!/usr/bin/env bash
# Row 6 of Deploy/bench (issue 15): samtak-web's pages against the intake's JSON endpoints
# they call, measured in the same run at the same concurrency.
#
#   web-pages.sh BIN DB OUT [SECONDS] [CONNECTIONS]
#
# BIN: the directory of the built executables (release in Deploy/bench; a debug build works
# for a smoke run, its figures are not the row's). DB: a migrated database with the demo
# municipality loaded (`samtak-admin demo`). OUT: a directory for the results (one file per
# figure) and logs. Starts its own intake and web on free ports (no broker needed by the
# reads measured here: the intake's relay only waits for it), makes a meeting with 30 agenda
# items on the demo ressursteam and a signed-in session for its rektor (a `web_sessions` row
# whose cookie is known, as a sign-in would leave it), then runs wrk for SECONDS per target:
#   home page  `/`              vs  `GET /v1/me/tasks` (the home page's one API call)
#   agenda     `/moter/{id}`    vs  `GET /v1/meetings/{id}?include=participants,deliveries`
#                                   (the meeting page's one API call)
# Prints and writes req/s and p95 for each; the targets (≥ 50 % of the JSON throughput,
# p95 ≤ 100 ms) are the issue's.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
export_service_env
BIN="$1"; DB="$2"; OUT="$3"; SECONDS_PER="${4:-20}"; CONNECTIONS="${5:-32}"
mkdir -p "$OUT"
LOGS="$OUT"
PY="$VENV/bin/python"
psql_db() { "$(find_pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" -d "$DB" "$@"; }
sql() { psql_db -tA -c "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
command -v wrk >/dev/null || die "wrk is not installed (Deploy/bench installs it)"

FRODE="$(sql "SELECT id FROM people WHERE name = 'Frode Nygaard'")"
ARENA="$(sql "SELECT id FROM arenas WHERE name = 'Ressursteam – Nordby barneskole'")"
SCHOOL="$(sql "SELECT id FROM units WHERE name = 'Nordby barneskole'")"
TEACHER="$(sql "SELECT p.id FROM people p JOIN memberships m ON m.person_id = p.id WHERE m.unit_id = '$SCHOOL' AND m.role = 'teacher' LIMIT 1")"
[ -n "$FRODE" ] && [ -n "$ARENA" ] && [ -n "$TEACHER" ] || die "$DB has no demo municipality (samtak-admin demo)"

# A meeting with 30 items: ten named cases on children with a consent covering the arena,
# twenty anonymous ones.
MEETING="$(python3 -c 'import uuid; print(uuid.uuid4())')"
psql_db >/dev/null <<SQL
INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status)
VALUES ('$MEETING', '$ARENA', NULL, now() + interval '30 days', now() + interval '30 days 3 hours', 30,
        now() + interval '20 days', now() + interval '27 days', 'planned');
WITH named AS (
    SELECT c.id AS child, co.id AS consent, row_number() OVER (ORDER BY c.id) AS n
    FROM children c JOIN consents co ON co.child_id = c.id AND co.withdrawn_at IS NULL
    WHERE c.unit_id = '$SCHOOL' LIMIT 10
), slots AS (SELECT g AS position, gen_random_uuid() AS case_id FROM generate_series(1, 30) g)
INSERT INTO cases (id, category, kind, arena_id, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade, concern, status)
SELECT s.case_id, 'case', CASE WHEN n.child IS NULL THEN 'anonymous' ELSE 'named' END, '$ARENA', n.child, n.consent, '$SCHOOL',
       '$TEACHER', '$TEACHER', 'Sak ' || s.position || ' til ressursteamet', 5, 'Bekymring for eleven.', 'scheduled'
FROM slots s LEFT JOIN named n ON n.n = s.position;
INSERT INTO agenda_items (id, meeting_id, case_id, position, reason)
SELECT gen_random_uuid(), '$MEETING', c.id, row_number() OVER (ORDER BY c.title, c.id), 'earliest_open_meeting'
FROM cases c WHERE c.arena_id = '$ARENA' AND c.title LIKE 'Sak % til ressursteamet' AND NOT EXISTS (SELECT 1 FROM agenda_items a WHERE a.case_id = c.id);
SQL
ITEMS="$(sql "SELECT count(*) FROM agenda_items WHERE meeting_id = '$MEETING'")"
[ "$ITEMS" = 30 ] || die "the bench meeting has $ITEMS items, not 30"

# The session a sign-in would leave: the cookie's SHA-256 is the row's key.
COOKIE="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
HASH="$(python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())' "$COOKIE")"
sql "INSERT INTO web_sessions (id_hash, person_id, provider, issuer, csrf_token, expires_at)
     VALUES ('\\x$HASH', '$FRODE', 'ansatt', 'bench', 'bench-csrf', now() + interval '2 hours')" >/dev/null
TOKEN="$(SAMTAK_PG_DATABASE="$DB" "$BIN/samtak-admin" token "$FRODE" 2>>"$LOGS/web-admin.log" | tail -1)"
[ -n "$TOKEN" ] || die "samtak-admin token printed nothing (log: $LOGS/web-admin.log)"

PORT_INTAKE="$(free_port)"; PORT_WEB="$(free_port)"
PIDS=()
cleanup_web() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup_web EXIT
start() {  # start LABEL EXE PORT [VAR=VALUE ...]
  local label="$1" exe="$2" port="$3"; shift 3
  env SAMTAK_PG_DATABASE="$DB" SAMTAK_HTTP_PORT="$port" SAMTAK_TOPIC_PREFIX="bench-web." "$@" "$BIN/$exe" >>"$LOGS/$label.log" 2>&1 &
  PIDS+=($!)
  echo $! > "$OUT/$label.pid"
  local i=0
  until curl -fsS "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 || curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; do
    i=$((i + 1)); kill -0 "$(cat "$OUT/$label.pid")" 2>/dev/null || { tail -20 "$LOGS/$label.log" >&2; die "$label exited"; }
    [ $i -gt 600 ] && { tail -20 "$LOGS/$label.log" >&2; die "$label did not start"; }
    sleep 0.1
  done
}
start web-intake samtak-intake "$PORT_INTAKE"
start web samtak-web "$PORT_WEB" SAMTAK_WEB_INTAKE_URL="http://127.0.0.1:$PORT_INTAKE" SAMTAK_WEB_PUBLIC_URL="http://127.0.0.1:$PORT_WEB"

source "$(dirname "${BASH_SOURCE[0]}")/wrk.sh"
measure() { wrk_measure "$1" "$2" "$3" "$OUT" "$CONNECTIONS" "$SECONDS_PER"; }
COOKIE_HEADER="Cookie: samtak_session=$COOKIE"
AUTH_HEADER="Authorization: Bearer $TOKEN"
measure home-page "http://127.0.0.1:$PORT_WEB/" "$COOKIE_HEADER"
measure home-json "http://127.0.0.1:$PORT_INTAKE/v1/me/tasks" "$AUTH_HEADER"
measure agenda-page "http://127.0.0.1:$PORT_WEB/moter/$MEETING" "$COOKIE_HEADER"
measure agenda-json "http://127.0.0.1:$PORT_INTAKE/v1/meetings/$MEETING?include=participants,deliveries" "$AUTH_HEADER"
grep -c "Sak [0-9]* til ressursteamet\|anonymisert" "$OUT/agenda-page.probe" > "$OUT/agenda-page.items" || true

for pair in home agenda; do
  page="$(cat "$OUT/$pair-page.rps")"; json="$(cat "$OUT/$pair-json.rps")"
  python3 - "$pair" "$page" "$json" "$(cat "$OUT/$pair-page.p95")" "$(cat "$OUT/$pair-json.p95")" "$CONNECTIONS" <<'PY' | tee "$OUT/$pair.summary"
import sys
pair, page, json_, p95_page, p95_json, conns = sys.argv[1:]
share = 100 * float(page) / float(json_)
print(f"{pair}: page {float(page):.0f} req/s (p95 {float(p95_page):.1f} ms) vs JSON {float(json_):.0f} req/s (p95 {float(p95_json):.1f} ms) "
      f"at {conns} connections: {share:.0f} % of the JSON throughput (target >= 50 %), page p95 target <= 100 ms")
PY
done
