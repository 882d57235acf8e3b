#!/usr/bin/env python3
"""Deploy/bench's table: reads the results directory, prints the table and the notes, and
writes both to bench-results.md. Exit status 1 if a row has no figure."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time

RES = os.environ["BENCH_RES"]
BENCH_DIR = os.environ["BENCH_DIR"]
ROOT = os.environ["SAMTAK_ROOT"]
env = os.environ


def get(key: str) -> str:
    try:
        return open(os.path.join(RES, key)).read().strip()
    except OSError:
        return ""


def get_json(key: str):
    text = get(key)
    try:
        return json.loads(text) if text else None
    except json.JSONDecodeError:
        return None


def phases() -> dict[str, tuple[float, float]]:
    spans: dict[str, list[float]] = {}
    try:
        for line in open(os.path.join(BENCH_DIR, "phases")):
            name, edge, at = line.split()
            spans.setdefault(name, [0.0, 0.0])[0 if edge == "start" else 1] = float(at)
    except OSError:
        pass
    return {k: (v[0], v[1] or time.time()) for k, v in spans.items() if v[0]}


def rss_max(name: str, windows: list[str]) -> float | None:
    spans = phases()
    best = None
    try:
        lines = open(os.path.join(BENCH_DIR, "rss.log")).read().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        if len(parts) != 3 or parts[1] != name:
            continue
        t = float(parts[0])
        if any(name.startswith(w) and span[0] <= t <= span[1] for w in windows for name, span in spans.items()):
            mib = int(parts[2]) / 1024
            best = mib if best is None else max(best, mib)
    return best


def yes(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


rows: list[list[str]] = []
notes: list[str] = []
missing: list[str] = []


def not_measured(row: str, label: str, target: str):
    reason = get(f"{row}.reason") or "not measured"
    rows.append([label, f"not measured: {reason}", "—", "—", target, "—"])
    missing.append(row)


def waits_text(name: str) -> str:
    """Average number of bench sessions per state over the samples (bench.d/waits.sql)."""
    try:
        lines = open(os.path.join(BENCH_DIR, f"waits-{name}.txt")).read().splitlines()
    except OSError:
        return ""
    totals: dict[str, int] = {}
    samples = 0
    for line in lines:
        state, _, count = line.rpartition("|")
        if not state or not count.strip().isdigit():
            continue
        if state == "sample":
            samples += 1
        else:
            totals[state] = totals.get(state, 0) + int(count)
    if not samples:
        return ""
    busy = sum(totals.values()) / samples
    parts = [f"{k} {v / samples:.2f}" for k, v in sorted(totals.items(), key=lambda kv: -kv[1])[:6] if v / samples >= 0.01]
    return f" PostgreSQL sessions (average over {samples} samples, {busy:.1f} in a transaction or a statement): {', '.join(parts) or 'none'}."


def cpu_text(key: str) -> str:
    data = get_json(key)
    if not data:
        return "(no CPU sample)"
    seconds = data.pop("seconds", None)
    machine = data.pop("machine", None)
    other_top = data.pop("other_top", "")
    parts = [f"{k} {v:.2f}" + (f" [{other_top}]" if k == "other" and other_top else "") for k, v in data.items()]
    return f"{', '.join(parts)} (cores; machine busy {machine:.2f} of {os.cpu_count()}, over {seconds} s)"


# Row 1
rps, tps = get("r1.rps"), get("r1.tps")
label1 = f"1. case submissions/s, POST /v1/cases, {env['R1_CONNECTIONS']} connections ({env['R1_SECONDS']} s)"
if rps and tps:
    ratio = float(rps) / float(tps)
    rows.append([label1, f"{float(rps):,.0f} req/s", f"{float(tps):,.0f} tps (pgbench -M prepared, same SQL)",
                 f"{ratio:.0%}", "≥ 70 %", yes(ratio >= 0.70)])
    notify, c10 = get("r1.tps.notify"), get("r1.tps.c10")
    notes.append(f"Row 1: two alternating rounds each: {get('r1.rounds')}. For information (not the ceiling): pgbench with "
                 f"10 clients, the intake's pool size: {float(c10):,.0f} tps" if c10 else "Row 1: pgbench with 10 clients gave no figure")
    notes[-1] += (f"; pgbench with 32 clients in sessions whose outbox inserts NOTIFY (writers without a relay of their own): "
                  f"{float(notify):,.0f} tps." if notify else "; pgbench in NOTIFYing sessions gave no figure.")
    notes.append(f"Row 1: wrk latency {get('r1.latency')}; outbox rows not yet published when wrk stopped: {get('r1.backlog')} "
                 f"(relay drained them {get('r1.drain')} s after pgbench). CPU during wrk (round 1): {cpu_text('r1.cpu.api')}. "
                 f"CPU during pgbench (round 1): {cpu_text('r1.cpu.pgbench')}."
                 f" During wrk:{waits_text('r1-wrk-1')} During pgbench:{waits_text('r1-pgbench-1')}")
else:
    not_measured("r1", label1, "≥ 70 %")

# Row 2
r2 = get_json("r2.json")
label2 = f"2. submit → case.scheduled in the database, {env['R2_RATE']} cases/s for {env['R2_SECONDS']} s"
if r2 and r2.get("figure", {}).get("p99") is not None:
    fig = r2["figure"]
    complete = r2["scheduled"] >= r2["sent"]
    rows.append([label2, f"p50 {fig['p50']} ms, p99 {fig['p99']} ms" + ("" if complete else f" ({r2['sent'] - r2['scheduled']} never scheduled)"),
                 "—", "—", "p99 ≤ 100 ms", yes(fig["p99"] <= 100 and complete)])
    driver = get_json("r2.driver") or {}
    stage = lambda k: f"{r2[k]['p50']} / {r2[k]['p99']} ms"
    notes.append(
        "Row 2 (p50 / p99): figure = agenda_items.created_at − cases.created_at, both PostgreSQL now(), i.e. the start of "
        f"the intake's and of the scheduler's transaction: {stage('figure')}. "
        f"End to end, client send → case.scheduled appended in the scheduler's transaction (its commit follows): {stage('end_to_end')}. "
        f"Stages: HTTP + auth before the intake's transaction {stage('http_before_tx')}; intake transaction start → response "
        f"{stage('intake_tx_to_answer')}; case.submitted appended → relay round start {stage('relay_wakeup')}; relay round start → "
        f"scheduler transaction start (send, acks, broker, consumer fetch) {stage('broker_and_consumer')}; scheduler transaction to "
        f"case.scheduled appended {stage('scheduler_tx')}. Driver: {driver.get('created')} cases, {driver.get('achieved_rate', 0):.1f}/s "
        f"achieved, response p50 {driver.get('response_p50_ms', 0):.1f} ms / p99 {driver.get('response_p99_ms', 0):.1f} ms, "
        f"send lag p99 {driver.get('send_lag_p99_ms', 0):.1f} ms. Topics of {get('r2.partitions') or '?'} partitions "
        "(Deploy/bench, R2_PARTITIONS: the local broker's fetch slows as a partition grows). "
        + (f"Figure p50 over the run: first third {r2['trend_p50']['first_third']} ms, last third {r2['trend_p50']['last_third']} ms; "
           if r2.get("trend_p50") else "")
        + f"the last case was on an agenda {get('r2.drain')} s after the driver stopped; cases put on agendas per second, "
        + f"by 10 s from the first submission: {r2.get('scheduled_per_s_by_10s')}. CPU: {cpu_text('r2.cpu')}.{waits_text('r2')}")
else:
    not_measured("r2", label2, "p99 ≤ 100 ms")

# Row 3
r3row, perf = get("r3.row"), get("r3.perf")
label3 = f"3. outbox relay → broker (acks=all), {int(env['R3_EVENTS']):,} events of {get('r3.value_bytes') or '?'} B"
if r3row and perf:
    rate, rounds, per_round, span = r3row.split("|")
    ratio = float(rate) / float(perf)
    rows.append([label3, f"{float(rate):,.0f} events/s", f"{float(perf):,.0f} msg/s (rdkafka_performance)",
                 f"{ratio:.0%}", "≥ 50 %", yes(ratio >= 0.50)])
    notes.append(f"Row 3: {rounds} relay rounds of {per_round} rows on average over {span} s; with start-up (process start → "
                 f"last row published) {float(get('r3.wall')):,.0f} events/s; inserting the rows took {get('r3.insert')} s. "
                 f"CPU during the relay: {cpu_text('r3.cpu')}.{waits_text('r3')} rdkafka_performance, three runs: {get('r3.perf.runs')} msg/s "
                 f"(median taken), its own CPU {get('r3.perf.own')} s over the three; first run: `{get('r3.perf.summary')}`; "
                 f"CPU of the rest: {cpu_text('r3.cpu.perf')}.")
else:
    not_measured("r3", label3, "≥ 50 %")

# Row 4
plan, mat = get_json("r4.plan.json"), get_json("r4.materialize.json")
label4 = f"4. planning one year of {env['PLAN_SERIES']} mixed series: pure expansion (compared)"
label4b = f"4b. the same, materialized by SeriesPlanner.planAll in PostgreSQL"
if plan:
    rows.append([label4, f"{plan['median_ms']:.1f} ms median ({plan['meetings']:,} meetings; first {plan['first_ms']:.1f} ms)",
                 "—", "—", "≤ 200 ms", yes(plan["median_ms"] <= 200)])
    notes.append(f"Row 4: {plan['series']} series over {plan['rhythms']} distinct rules from the seeds, {plan['from']} .. {plan['through']}, "
                 f"{plan['rounds']} rounds: min {plan['min_ms']:.1f}, median {plan['median_ms']:.1f}, max {plan['max_ms']:.1f} ms "
                 "(release build, RRULE parsing included).")
else:
    not_measured("r4", label4, "≤ 200 ms")
if mat:
    rows.append([label4b, f"{mat['first_ms']:,.0f} ms ({mat['inserted']:,} meetings inserted); re-plan {mat['replan_ms']:,.0f} ms",
                 "—", "—", "(for information)", "—"])
    notes.append(f"Row 4b: {mat['arenas']} arenas, one transaction each; the re-plan (nothing to change) is what the "
                 f"hourly planner costs; it changed {mat['replan_changes']} meetings.")
elif plan:
    not_measured("r4", label4b, "(for information)")

# Row 5
r5 = get("r5.row")
label5 = f"5. one agenda rendered and delivered to {int(env['R5_RECIPIENTS']):,} recipients (Postfix smtp-sink)"
if r5:
    doc_s, due_to_doc, due_to_done, recipients, delivered, failed = r5.split("|")
    source = get("r5.source")
    ceiling = f"{float(source):.2f} s (smtp-source, {get('r5.source.concurrency')} connections)" if source else "—"
    ratio = f"{float(source) / float(doc_s):.0%}" if source and float(doc_s) > 0 else "—"
    rows.append([label5, f"{float(doc_s):.2f} s ({delivered} delivered, {failed} failed)", ceiling, ratio, "≤ 2 s",
                 yes(float(doc_s) <= 2 and int(failed) == 0)])
    notes.append(f"Row 5: figure = documents.completed_at − created_at (fan-out transaction start → last delivery recorded). "
                 f"From agenda_due_at = now() to the document: {float(due_to_doc):.2f} s (publisher tick, relay, broker, consumer); "
                 f"to completion {float(due_to_done):.2f} s. Recipients {recipients}; messages received by smtp-sink {get('r5.mail')}, "
                 f"{get('r5.bytes')} B each on average (as dumped). The ceiling: Postfix's smtp-source sending {int(env['R5_RECIPIENTS']):,} "
                 f"messages of that size to the same smtp-sink over {get('r5.source.concurrency')} connections, several messages per "
                 f"connection (-d), as the notifier's sender threads do; the ratio is ceiling time / figure. "
                 f"CPU: {cpu_text('r5.cpu')}; during smtp-source: {cpu_text('r5.cpu.source')}.{waits_text('r5')}")
else:
    not_measured("r5", label5, "≤ 2 s")

# Row 7 (issue 15): the pages against the JSON endpoints they call, same run, same connections
for pair, label7 in (("home", "7a. home page `/` vs `GET /v1/me/tasks`"), ("agenda", "7b. meeting page with 30 items vs `GET /v1/meetings/{id}?include=participants,deliveries`")):
    page, json_ = get(f"r7/{pair}-page.rps"), get(f"r7/{pair}-json.rps")
    p95 = get(f"r7/{pair}-page.p95")
    if page and json_ and p95:
        share = float(page) / float(json_) if float(json_) > 0 else 0
        rows.append([f"{label7}, {env['R1_CONNECTIONS']} connections", f"{float(page):,.0f} req/s, p95 {float(p95):.1f} ms",
                     f"{float(json_):,.0f} req/s (JSON, p95 {float(get(f'r7/{pair}-json.p95') or 0):.1f} ms)", f"{share:.0%}",
                     "≥ 50 %, p95 ≤ 100 ms", yes(share >= 0.5 and float(p95) <= 100)])
    else:
        not_measured("r7", label7, "≥ 50 %, p95 ≤ 100 ms")
notes.append("Row 7: a signed-in session of the rektor (a web_sessions row as a sign-in leaves it) on samtak-web in front of its own "
             "intake; each page makes one call, the one it is compared with: the home page `GET /v1/me/tasks` (with the "
             "person), the meeting page `GET /v1/meetings/{id}?include=participants,deliveries`. Deploy/bench.d/web-pages.sh.")

# Row 8 (issue 20): the same reads on the demo and on five years of a 50,000-inhabitant municipality
sizes = get("r8/bench_scale_large.sizes")
for read, label8 in (("home", "8a. home `GET /v1/me/tasks`"), ("arena", "8b. arena page's next meetings"),
                     ("history", "8c. first page (50) of an arena's meetings"), ("timeline", "8d. a child's timeline"),
                     ("innsyn", "8e. innsyn: a child's access log")):
    small, large = get(f"r8/bench_scale_small-{read}.figures"), get(f"r8/bench_scale_large-{read}.figures")
    if small and large:
        rps_s, p95_s = (float(x) for x in small.split())
        rps_l, p95_l = (float(x) for x in large.split())
        rows.append([f"{label8}, five years (8 connections)", f"{rps_l:,.0f} req/s, p95 {p95_l:.1f} ms",
                     f"demo: {rps_s:,.0f} req/s, p95 {p95_s:.1f} ms", f"p95 ×{p95_l / max(p95_s, 0.01):.1f}",
                     "p95 ≤ 100 ms", yes(p95_l <= 100)])
    else:
        not_measured("r8", label8, "p95 ≤ 100 ms")
notes.append("Row 8: Deploy/bench.d/scale.sql generates five years of a municipality of 50,000 inhabitants on top of the demo "
             "(8,000 children, 300 arenas, 20,000 meetings, 50,000 cases, 5 million access-log rows; "
             f"as generated: {next((l.strip() for l in sizes.splitlines() if 'MB' in l or 'GB' in l), 'sizes not recorded')}); "
             "scale.sh reads the same endpoints on the demo alone and on that data set. The ratio column is the growth of p95.")

# Row 6
for service, windows, idle_key in (("samtak-intake", ["r1-", "r2"], "rss.intake.idle"),
                                   ("samtak-scheduler", ["r2"], "rss.scheduler.idle"),
                                   ("samtak-notifier", ["r5"], "rss.notifier.idle")):
    idle = get(idle_key)
    loaded = rss_max(service, windows)
    label = f"6. RSS {service} (idle; loaded: max during row {' and '.join(w[1] for w in windows)})"
    if idle and loaded is not None:
        ok = float(idle) <= 64 and loaded <= 150
        rows.append([label, f"idle {float(idle):.0f} MiB, loaded {loaded:.0f} MiB", "—", "—", "≤ 64 MiB idle, ≤ 150 MiB loaded", yes(ok)])
    else:
        rows.append([label, "not measured", "—", "—", "≤ 64 MiB idle, ≤ 150 MiB loaded", "—"])
        missing.append(service)
relay = rss_max("relay-intake", ["r3"])
if relay is not None:
    notes.append(f"Row 6: the relay's process (samtak-intake) peaked at {relay:.0f} MiB during row 3.")

# What the services logged above info (a consumer group that timed out, a relay that
# retried, ...): such events explain outliers.
for name in ("samtak-intake", "samtak-scheduler", "samtak-notifier", "relay-intake"):
    path = os.path.join(env["LOGS"], f"{name}.log")
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        continue
    messages: dict[str, int] = {}
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("level") in ("warning", "error", "critical"):
            key = f"{entry['level']}: {entry.get('msg', '')[:120]}"
            messages[key] = messages.get(key, 0) + 1
    if messages:
        top = "; ".join(f"{k} (×{v})" for k, v in sorted(messages.items(), key=lambda kv: -kv[1])[:4])
        notes.append(f"Log of {name}: {sum(messages.values())} lines above info: {top}.")
if env.get("BROKER_MODE") == "private":
    peak = rss_max("broker", ["r"])
    notes.append(f"Broker: a private Tansu 0.6.0 (memory storage) started empty for this run; RSS {get('broker.rss.start') or '?'} MiB "
                 f"at the start, {get('broker.rss.end') or '?'} MiB at the end" + (f", peak during the rows {peak:.0f} MiB." if peak else "."))
else:
    notes.append(f"Broker: the shared Tansu of Deploy/infra (memory storage, with whatever tests left on it); RSS "
                 f"{get('broker.rss.start') or '?'} MiB at the start, {get('broker.rss.end') or '?'} MiB at the end; the bench's topics are deleted afterwards.")

# Header and output
def git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, OSError):
        return ""


commit = git("rev-parse", "--short", "HEAD") or "unknown"
if git("status", "--porcelain", "--untracked-files=no") or git("status", "--porcelain"):
    commit += " dirty"
mem_gib = 0.0
for line in open("/proc/meminfo"):
    if line.startswith("MemTotal:"):
        mem_gib = int(line.split()[1]) / 1024 / 1024
minutes, seconds = divmod(int(env["RUN_SECONDS"]), 60)
lines = [
    f"# Samtak benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ({env['MODE']} run, {minutes} min {seconds} s)",
    "",
    f"Machine: {os.cpu_count()} cores, {mem_gib:.1f} GiB, Linux {platform.release()}; load average at start {env['START_LOAD']}. "
    f"Commit: {commit}.",
    "",
    "| measurement | figure | ceiling (same run) | ratio | target | met? |",
    "|---|---|---|---|---|---|",
]
lines += ["| " + " | ".join(row) + " |" for row in rows]
lines += ["", "Notes:", ""] + [f"- {n}" for n in notes] + [""]
text = "\n".join(lines)
print(text)
with open(env["RESULTS_FILE"], "w") as out:
    out.write(text)
sys.exit(1 if missing else 0)
