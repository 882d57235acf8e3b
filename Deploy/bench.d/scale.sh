#!/usr/bin/env bash
# Scale (issue 20): the same reads on the demo municipality and on the demo plus five years of
# a municipality of 50,000 inhabitants (`scale.sql`: 8,000 children, 300 arenas, 20,000
# meetings, 50,000 cases, 5 million access-log rows), to show how each grows.
#
#   scale.sh BIN OUT [SCALE] [SECONDS] [CONNECTIONS]
#
# BIN: the built executables (release for figures; a debug build for a smoke run). OUT: a
# directory for results and logs. SCALE: scale.sql's factor (default 1.0). Makes two fresh
# databases (bench_scale_small, bench_scale_large), loads the demo into both and the
# generated history into the large one, starts one intake on each (no broker needed: reads
# only; the relay waits for a broker that is not asked), then runs wrk for SECONDS per read at
# CONNECTIONS connections against both:
#   home      GET /v1/me/tasks                       the rektor's home page (cases, arenas, meetings)
#   arena     GET /v1/meetings?arena_id=…&from=today&limit=8   the ressursteam's page (next meetings)
#   history   GET /v1/meetings?arena_id=…            the first page (50) of its meetings, oldest first
#   timeline  GET /v1/children/{id}/timeline         a child of the rektor's school with the most cases
#   innsyn    GET /v1/me/children/{id}/access-log    that child's guardian: who has read the data
# Prints req/s and p95 per read and data set, and the growth factor of p95.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
export_service_env
BIN="$1"; OUT="$2"; SCALE="${3:-1.0}"; SECONDS_PER="${4:-10}"; CONNECTIONS="${5:-8}"
mkdir -p "$OUT"
command -v wrk >/dev/null || die "wrk is not installed (Deploy/bench installs it)"
PSQL="$(find_pg_bin)/psql"
psql_db() { local db="$1"; shift; "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" -d "$db" "$@"; }
sql() { psql_db "$1" -tA -c "$2"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PIDS=()
cleanup_scale() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup_scale EXIT

prepare() {  # prepare DB SCALE|none
  local db="$1" scale="$2" started
  psql_db postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  SAMTAK_PG_DATABASE="$db" "$BIN/samtak-admin" migrate >>"$OUT/admin.log" 2>&1 || die "migrating $db failed (log: $OUT/admin.log)"
  SAMTAK_PG_DATABASE="$db" SAMTAK_TOPIC_PREFIX="bench-scale." "$BIN/samtak-admin" demo >>"$OUT/admin.log" 2>&1 \
    || die "loading the demo into $db failed (log: $OUT/admin.log)"
  if [ "$scale" != none ]; then
    started=$(date +%s)
    psql_db "$db" -v scale="$scale" -f "$(dirname "${BASH_SOURCE[0]}")/scale.sql" | tee "$OUT/$db.sizes"
    echo "generated in $(( $(date +%s) - started )) s" | tee -a "$OUT/$db.sizes"
  fi
}

start_intake() {  # start_intake DB → INTAKE_PORT
  local db="$1" port; port="$(free_port)"
  env SAMTAK_PG_DATABASE="$db" SAMTAK_HTTP_PORT="$port" SAMTAK_TOPIC_PREFIX="bench-scale." "$BIN/samtak-intake" >>"$OUT/intake-$db.log" 2>&1 &
  PIDS+=($!)
  local i=0
  until curl -fsS "http://127.0.0.1:$port/health/live" >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 600 ] && die "the intake on $db did not start (log: $OUT/intake-$db.log)"
    sleep 0.1
  done
  INTAKE_PORT="$port"
}

source "$(dirname "${BASH_SOURCE[0]}")/wrk.sh"
measure() {  # measure LABEL URL TOKEN
  wrk_measure "$1" "$2" "Authorization: Bearer $3" "$OUT" "$CONNECTIONS" "$SECONDS_PER"
  echo "$(cat "$OUT/$1.rps") $(cat "$OUT/$1.p95")" > "$OUT/$1.figures"
}

run_reads() {  # run_reads DB
  local db="$1" port frode arena school child guardian frode_token guardian_token
  frode="$(sql "$db" "SELECT id FROM people WHERE name = 'Frode Nygaard'")"
  arena="$(sql "$db" "SELECT id FROM arenas WHERE name = 'Ressursteam – Nordby barneskole'")"
  school="$(sql "$db" "SELECT id FROM units WHERE name = 'Nordby barneskole'")"
  child="$(sql "$db" "SELECT c.id FROM children c LEFT JOIN cases k ON k.child_id = c.id
                       WHERE c.unit_id = '$school' AND EXISTS (SELECT 1 FROM guardianships g WHERE g.child_id = c.id)
                       GROUP BY c.id ORDER BY count(k.id) DESC, c.id LIMIT 1")"
  guardian="$(sql "$db" "SELECT guardian_id FROM guardianships WHERE child_id = '$child' AND parental_responsibility ORDER BY guardian_id LIMIT 1")"
  [ -n "$frode" ] && [ -n "$arena" ] && [ -n "$child" ] && [ -n "$guardian" ] || die "$db lacks the demo's rektor, ressursteam or a child with a guardian"
  frode_token="$(SAMTAK_PG_DATABASE="$db" "$BIN/samtak-admin" token "$frode" 2>>"$OUT/admin.log" | tail -1)"
  guardian_token="$(SAMTAK_PG_DATABASE="$db" "$BIN/samtak-admin" token "$guardian" 2>>"$OUT/admin.log" | tail -1)"
  echo "$db: child with $(sql "$db" "SELECT count(*) FROM cases WHERE child_id = '$child'") cases, $(sql "$db" "SELECT count(*) FROM access_log WHERE child_id = '$child'") access-log rows"
  start_intake "$db"; port="$INTAKE_PORT"
  measure "$db-home" "http://127.0.0.1:$port/v1/me/tasks" "$frode_token"
  measure "$db-arena" "http://127.0.0.1:$port/v1/meetings?arena_id=$arena&from=$(date +%F)&limit=8" "$frode_token"
  measure "$db-history" "http://127.0.0.1:$port/v1/meetings?arena_id=$arena" "$frode_token"
  measure "$db-timeline" "http://127.0.0.1:$port/v1/children/$child/timeline" "$frode_token"
  measure "$db-innsyn" "http://127.0.0.1:$port/v1/me/children/$child/access-log" "$guardian_token"
  kill -TERM "${PIDS[-1]}" 2>/dev/null || true
}

say "scale: the demo municipality (small) and the demo plus five years at scale $SCALE (large)"
prepare bench_scale_small none
prepare bench_scale_large "$SCALE"
run_reads bench_scale_small
run_reads bench_scale_large
for read in home arena history timeline innsyn; do
  python3 - "$read" $(cat "$OUT/bench_scale_small-$read.figures") $(cat "$OUT/bench_scale_large-$read.figures") "$CONNECTIONS" <<'PY' | tee "$OUT/$read.summary"
import sys
read, rps_s, p95_s, rps_l, p95_l, conns = sys.argv[1:]
print(f"{read:9s} small {float(rps_s):7.0f} req/s p95 {float(p95_s):7.1f} ms | large {float(rps_l):7.0f} req/s p95 {float(p95_l):7.1f} ms "
      f"| p95 x{float(p95_l) / max(float(p95_s), 0.01):.1f} at {conns} connections")
PY
done
