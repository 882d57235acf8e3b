#!/usr/bin/env python3
"""Process figures for Deploy/bench, from /proc (Linux only).

    procstat.py rss-sampler --piddir DIR --out FILE [--interval 0.25]
        Until killed: every interval, VmRSS of each process named by DIR/<name>.pid,
        one line "unix-time name KiB" per process (pid files may appear, change, vanish).
    procstat.py rss-max --in FILE --name NAME --from T1 --to T2
        The largest VmRSS (MiB) of NAME between T1 and T2 (Unix seconds); "" if none.
    procstat.py snap OUT
        CPU ticks of every process (and of the machine) now, as JSON.
    procstat.py cpu A B [--name pid=label ...]
        Where the CPU went between two snapshots, in cores (1.00 = one core busy all the
        time): the labelled pids, PostgreSQL backends of the bench databases, the rest of
        PostgreSQL (other databases: other people's tests, and the shared processes),
        the broker, load generators, everything else. Prints one line of JSON.
"""
from __future__ import annotations

import json
import os
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_sampler(piddir: str, out: str, interval: float) -> None:
    with open(out, "a", buffering=1) as sink:
        while True:
            now = time.time()
            try:
                names = [n for n in os.listdir(piddir) if n.endswith(".pid")]
            except OSError:
                names = []
            for name in names:
                try:
                    pid = int(open(os.path.join(piddir, name)).read().strip())
                except (OSError, ValueError):
                    continue
                kib = rss_kib(pid)
                if kib is not None:
                    sink.write(f"{now:.3f} {name[:-4]} {kib}\n")
            time.sleep(interval)


def rss_max(path: str, name: str, start: float, end: float) -> str:
    best = None
    with open(path) as source:
        for line in source:
            parts = line.split()
            if len(parts) != 3 or parts[1] != name:
                continue
            t = float(parts[0])
            if start <= t <= end:
                kib = int(parts[2])
                best = kib if best is None else max(best, kib)
    return "" if best is None else f"{best / 1024:.1f}"


def snapshot() -> dict:
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
            with open(f"/proc/{entry}/cmdline", "rb") as cmd:
                cmdline = cmd.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        comm = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        ticks = int(fields[11]) + int(fields[12])  # utime + stime
        procs[entry] = {"comm": comm, "cmd": cmdline[:200], "ticks": ticks}
    with open("/proc/stat") as stat:
        cpu = [int(v) for v in stat.readline().split()[1:]]
    return {"time": time.time(), "procs": procs, "busy": sum(cpu) - cpu[3] - cpu[4], "all": sum(cpu)}


def classify(pid: str, proc: dict, labels: dict[str, str]) -> str:
    if pid in labels:
        return labels[pid]
    comm, cmd = proc["comm"], proc["cmd"]
    if comm == "postgres" or cmd.startswith("postgres:"):
        if " samtak_bench" in cmd:
            return "postgres(bench)"
        return "postgres(other)"
    if comm == "tansu":
        return "broker(shared)" if "broker" in labels.values() else "broker"
    if comm in ("wrk", "pgbench") or comm.startswith("rdkafka_perf"):
        return comm[:12]
    if "steady.py" in cmd or "smtp_sink.py" in cmd:
        return "python(" + ("driver" if "steady.py" in cmd else "smtp-sink") + ")"
    return "other"


def cpu(a_path: str, b_path: str, labels: dict[str, str]) -> dict:
    a, b = json.load(open(a_path)), json.load(open(b_path))
    wall = b["time"] - a["time"]
    groups: dict[str, float] = {}
    others: dict[str, float] = {}
    for pid, proc in b["procs"].items():
        before = a["procs"].get(pid)
        base = before["ticks"] if before and before["comm"] == proc["comm"] else 0
        delta = (proc["ticks"] - base) / TICKS
        if delta <= 0:
            continue
        group = classify(pid, proc, labels)
        groups[group] = groups.get(group, 0.0) + delta
        if group == "other":
            others[proc["comm"]] = others.get(proc["comm"], 0.0) + delta
    result = {k: round(v / wall, 2) for k, v in sorted(groups.items(), key=lambda kv: -kv[1]) if v / wall >= 0.01}
    # What "other" was (other people's builds and tests share this machine).
    result["other_top"] = ", ".join(f"{k} {v / wall:.2f}" for k, v in sorted(others.items(), key=lambda kv: -kv[1])[:3] if v / wall >= 0.01)
    machine = (b["busy"] - a["busy"]) / max(1, b["all"] - a["all"]) * os.cpu_count()
    result["machine"] = round(machine, 2)
    result["seconds"] = round(wall, 1)
    return result


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    args = argv[2:]

    def opt(name: str, default: str | None = None) -> str | None:
        return args[args.index(name) + 1] if name in args else default

    if command == "rss-sampler":
        rss_sampler(opt("--piddir"), opt("--out"), float(opt("--interval", "0.25")))
    elif command == "rss-max":
        print(rss_max(opt("--in"), opt("--name"), float(opt("--from")), float(opt("--to"))))
    elif command == "snap":
        with open(args[0], "w") as out:
            json.dump(snapshot(), out)
    elif command == "cpu":
        labels = {}
        for i, arg in enumerate(args):
            if arg == "--name" and i + 1 < len(args):
                pid, _, label = args[i + 1].partition("=")
                labels[pid] = label
        print(json.dumps(cpu(args[0], args[1], labels)))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
