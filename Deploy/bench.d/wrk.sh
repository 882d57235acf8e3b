# Sourced by the bench rows that time HTTP reads with wrk (web-pages.sh, scale.sh).
#
#   wrk_measure NAME URL HEADER OUT CONNECTIONS SECONDS
#
# Checks that URL answers 200 with HEADER (the body is kept as OUT/NAME.probe), warms up for
# two seconds, then runs wrk for SECONDS at CONNECTIONS connections and writes OUT/NAME.rps
# (requests per second) and OUT/NAME.p95 (95th percentile latency, ms). Any answer other than
# 2xx fails the measurement.
wrk_measure() {
  local name="$1" url="$2" header="$3" out="$4" connections="$5" seconds="$6" status
  [ -f "$out/p95.lua" ] || cat > "$out/p95.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("P95_MS %.2f\nRPS %.1f\nNON2XX %d\n", latency:percentile(95) / 1000,
    summary.requests / (summary.duration / 1e6), summary.errors.status))
end
LUA
  status="$(curl -s -o "$out/$name.probe" -w '%{http_code}' -H "$header" "$url")"
  [ "$status" = 200 ] || die "$name: $url answered $status: $(head -c 300 "$out/$name.probe")"
  wrk -t2 -c"$connections" -d2s -H "$header" "$url" >/dev/null 2>&1 || true   # warm-up
  wrk -t2 -c"$connections" -d"${seconds}s" -H "$header" -s "$out/p95.lua" "$url" > "$out/$name.wrk" 2>&1 \
    || die "wrk failed for $name (log: $out/$name.wrk)"
  [ "$(awk '/^NON2XX/ {print $2}' "$out/$name.wrk")" = 0 ] || die "$name: some answers were not 2xx (log: $out/$name.wrk)"
  awk '/^RPS/ {print $2}' "$out/$name.wrk" > "$out/$name.rps"
  awk '/^P95_MS/ {print $2}' "$out/$name.wrk" > "$out/$name.p95"
}
