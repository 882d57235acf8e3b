#!/usr/bin/env python3
"""Row 2's figures from the driver's log and the database's timestamps.

    latency.py SENT.tsv DB.tsv

SENT.tsv (steady.py): case id, due, sent, answered, status (Unix seconds).
DB.tsv (Deploy/bench's COPY): case id, cases.created_at, case.submitted occurred_at,
case.submitted published_at, agenda_items.created_at, case.scheduled occurred_at (Unix
seconds; PostgreSQL's now() is the transaction's start; occurred_at is Swift's Date() when
the event was appended, near the end of its transaction). Prints JSON: p50/p99 (ms) of the
row's figure and of each stage.
"""
import json
import sys


def pct(values, p):
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 1)


sent = {}
for line in open(sys.argv[1]):
    case_id, due, at, answered, status = line.rstrip("\n").split("\t")
    if case_id:
        sent[case_id.lower()] = (float(due), float(at), float(answered))

stages = {k: [] for k in ("figure", "end_to_end", "http_before_tx", "intake_tx_to_answer", "relay_wakeup",
                          "broker_and_consumer", "scheduler_tx")}
scheduled = 0
by_time = []  # (cases.created_at, figure) to show whether the figure drifts during the run
for line in open(sys.argv[2]):
    parts = line.rstrip("\n").split("\t")
    case_id = parts[0].lower()
    created, submitted_at, published, item, scheduled_at = (None if v in ("", "\\N") else float(v) for v in parts[1:6])
    if item is None:
        continue
    scheduled += 1
    stages["figure"].append(item - created)
    by_time.append((created, item - created))
    if case_id in sent:
        due, at, answered = sent[case_id]
        stages["http_before_tx"].append(created - at)
        stages["intake_tx_to_answer"].append(answered - created)
        if scheduled_at is not None:
            stages["end_to_end"].append(scheduled_at - at)
    if published is not None and submitted_at is not None:
        stages["relay_wakeup"].append(published - submitted_at)
        stages["broker_and_consumer"].append(item - published)
    if scheduled_at is not None:
        stages["scheduler_tx"].append(scheduled_at - item)

out = {"sent": len(sent), "scheduled": scheduled}
for name, values in stages.items():
    out[name] = {"p50": pct(values, 0.5), "p99": pct(values, 0.99), "max": pct(values, 1.0)}
# Scheduling throughput per 10 s window from the first submission: does the scheduler keep up?
items = sorted(created + figure for created, figure in by_time)
if items:
    start = min(c for c, _ in by_time)
    windows = {}
    for t in items:
        w = int((t - start) // 10)
        windows[w] = windows.get(w, 0) + 1
    out["scheduled_per_s_by_10s"] = [round(windows.get(w, 0) / 10) for w in range(max(windows) + 1)]
by_time.sort()
third = len(by_time) // 3
if third:
    out["trend_p50"] = {"first_third": pct([v for _, v in by_time[:third]], 0.5),
                        "last_third": pct([v for _, v in by_time[-third:]], 0.5)}
print(json.dumps(out))
