#!/usr/bin/env bash
# Deploy/bench.d/relay-options.sh HOST PORT_OR_SOCKETDIR [EVENTS]: the database side of the
# outbox relay designs compared for row 3 (issue 20), on a server with wal_level = logical.
# Each option drains EVENTS outbox rows (a case.submitted payload) in rounds of 2,000 from
# one psql session, rows sent to the client as the relay reads them; prints seconds per option.
#   current    SELECT ... FOR UPDATE SKIP LOCKED, then UPDATE published_at (synchronous_commit off)
#   watermark  SELECT ... WHERE id > last id read (no lock, no per-row write); one progress row updated
#   delete     DELETE ... RETURNING (the rows leave the table as they are published)
#   decoding   pg_logical_slot_get_binary_changes on a pgoutput slot over the outbox's publication
set -euo pipefail
HOST="$1"; PORT="${2:-5432}"; N="${3:-200000}"; ROUNDS=$(( (N + 1999) / 2000 ))
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT; chmod 755 "$WORK"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U postgres)
DATA='{"case_id":"6d3f1c0e-4a57-4f34-9f0a-1c2b3d4e5f60","arena_id":"0b7c6a52-9e1d-4f7a-8c3b-2d1e0f9a8b7c","kind":"system","category":"case","submitting_unit_id":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d","submitted_by":"11112222-3333-4444-5555-666677778888","preferred_meeting_id":null,"consent_id":null,"submitted_at":"2026-12-05T19:00:00.000Z","urgency":"normal"}'
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS relay_options WITH (FORCE)" -c "CREATE DATABASE relay_options" >/dev/null
db() { "${PSQL[@]}" -d relay_options "$@"; }
db >/dev/null <<'SQL'
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL UNIQUE, topic text NOT NULL,
    event_key text NOT NULL, event_type text NOT NULL, source text NOT NULL, subject text NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(), data jsonb NOT NULL, published_at timestamptz,
    attempts integer NOT NULL DEFAULT 0, traceparent text);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
CREATE TABLE relay_progress (relay text PRIMARY KEY, last_id bigint NOT NULL);
CREATE PUBLICATION samtak_outbox FOR TABLE outbox WITH (publish = 'insert');
SQL
# As the services write them: small transactions (ten events each), so that logical
# decoding sees many transactions rather than one huge one.
fill() {
  db -v data="$DATA" -v n="$N" >/dev/null <<'SQL'
SET synchronous_commit = off;
SELECT set_config('bench.data', :'data', false), set_config('bench.n', :'n', false);
DO $$
BEGIN
  FOR i IN 1 .. current_setting('bench.n')::int / 10 LOOP
    INSERT INTO outbox (event_id, topic, event_key, event_type, source, subject, occurred_at, data)
    SELECT gen_random_uuid(), 'samtak.cases', k, 'case.submitted', '/samtak/intake', k, now(), current_setting('bench.data')::jsonb
    FROM (SELECT gen_random_uuid()::text AS k FROM generate_series(1, 10)) AS s;
    COMMIT;
  END LOOP;
END $$;
VACUUM ANALYZE outbox;
CHECKPOINT;
SQL
}
COLS="id, event_id::text, topic, event_key, event_type, source, subject, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), data::text, traceparent"
script() { # NAME: writes the rounds of one option
  local i
  echo "\\o $WORK/pid"
  echo "SELECT pg_backend_pid();"
  echo "\\! cut -d' ' -f14,15 /proc/\$(tr -d ' ' < $WORK/pid | head -1)/stat > $WORK/cpu0"
  echo '\o /dev/null'
  for ((i = 0; i < ROUNDS; i++)); do
    case "$1" in
      current) echo "BEGIN; SET LOCAL synchronous_commit = off;
WITH s AS (SELECT $COLS FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 2000 FOR UPDATE SKIP LOCKED),
     u AS (UPDATE outbox o SET published_at = now() FROM s WHERE o.id = s.id RETURNING o.id) SELECT * FROM s;
COMMIT;" ;;
      watermark) echo "BEGIN; SET LOCAL synchronous_commit = off;
WITH s AS (SELECT $COLS FROM outbox WHERE id > (SELECT last_id FROM relay_progress WHERE relay = 'r') ORDER BY id LIMIT 2000),
     u AS (UPDATE relay_progress SET last_id = (SELECT max(id) FROM s) WHERE relay = 'r' AND EXISTS (SELECT 1 FROM s)) SELECT * FROM s;
COMMIT;" ;;
      delete) echo "BEGIN; SET LOCAL synchronous_commit = off;
WITH s AS (SELECT id FROM outbox ORDER BY id LIMIT 2000 FOR UPDATE SKIP LOCKED)
DELETE FROM outbox o USING s WHERE o.id = s.id RETURNING o.id, o.event_id::text, o.topic, o.event_key, o.data::text;
COMMIT;" ;;
      decoding) echo "SELECT lsn, data FROM pg_logical_slot_get_binary_changes('samtak_outbox', NULL, 2000, 'proto_version', '1', 'publication_names', 'samtak_outbox');" ;;
    esac
  done
  echo "\\! cut -d' ' -f14,15 /proc/\$(tr -d ' ' < $WORK/pid | head -1)/stat > $WORK/cpu1"
}
measure() { # NAME
  local t0 t1
  script "$1" > "$WORK/$1.sql"
  t0=$(date +%s.%N); db -At -f "$WORK/$1.sql"; t1=$(date +%s.%N)
  python3 -c "
import os, sys
hz = os.sysconf('SC_CLK_TCK')
a = sum(map(int, open('$WORK/cpu0').read().split())); b = sum(map(int, open('$WORK/cpu1').read().split()))
cpu = (b - a) / hz; wall = float(sys.argv[2]) - float(sys.argv[1]); n = int(sys.argv[3])
print(f'$1: backend CPU {cpu:.2f} s ({cpu / n * 1e6:.1f} µs per event), wall {wall:.2f} s ({n / wall:,.0f} events/s)')" "$t0" "$t1" "$N"
}
for option in current watermark delete; do
  db -c "TRUNCATE outbox; DELETE FROM relay_progress; INSERT INTO relay_progress VALUES ('r', 0)" >/dev/null
  fill; measure "$option"
done
db -c "TRUNCATE outbox" -c "SELECT pg_create_logical_replication_slot('samtak_outbox', 'pgoutput')" >/dev/null
fill; measure decoding
db -c "SELECT pg_drop_replication_slot('samtak_outbox')" >/dev/null
"${PSQL[@]}" -d postgres -c "DROP DATABASE relay_options WITH (FORCE)" >/dev/null
