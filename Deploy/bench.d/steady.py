#!/usr/bin/env python3
"""Row 2's load: POST /v1/cases at a fixed rate over a few keep-alive connections.

    steady.py --port 18180 --token T --arena A --unit U --rate 200 --duration 60 \
              --marker "Bench r2" --out cases.tsv

Open loop: case i is due at start + i/rate whatever happened to earlier ones; a free
connection takes it (if all are busy it waits, and the wait shows as `lag`). Writes one
line per case: case id, due, sent, answered (Unix seconds, this machine's clock, which is
also PostgreSQL's), HTTP status. Prints a JSON summary on stdout. Raw HTTP/1.1 on asyncio
streams: no client library overhead to speak of at this rate.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time


async def open_connection(port: int):
    return await asyncio.open_connection("127.0.0.1", port)


async def request(reader, writer, head: bytes, body: bytes):
    writer.write(head + body)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length = 0
    close = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    payload = await reader.readexactly(length) if length else b""
    return status, payload, close


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--arena", required=True)
    parser.add_argument("--unit", required=True)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--marker", default="Bench r2")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    total = int(args.rate * args.duration)
    queue: asyncio.Queue = asyncio.Queue()
    results: list[tuple] = []
    errors: list[str] = []

    def body(i: int) -> bytes:
        return json.dumps({
            "arena_id": args.arena, "kind": "system", "submitting_unit_id": args.unit,
            "title": f"{args.marker} #{i}: felles rutiner for skolestart",
            "concern": "Vi ønsker å drøfte felles rutiner for oppstart og overganger på systemnivå, "
                       "og hvordan helsesykepleier og PPT kan bidra. Saken gjelder ingen enkeltelev.",
        }, ensure_ascii=False).encode()

    def head(length: int) -> bytes:
        return (f"POST /v1/cases HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
                f"Authorization: Bearer {args.token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {length}\r\n\r\n").encode()

    async def worker():
        reader, writer = await open_connection(args.port)
        while True:
            item = await queue.get()
            if item is None:
                writer.close()
                return
            i, due = item
            payload = body(i)
            sent = time.time()
            try:
                status, answer, close = await request(reader, writer, head(len(payload)), payload)
            except (ConnectionError, asyncio.IncompleteReadError, OSError) as error:
                errors.append(f"#{i}: {error}")
                reader, writer = await open_connection(args.port)
                continue
            done = time.time()
            case_id = ""
            if status == 201:
                case_id = json.loads(answer)["id"]
            elif len(errors) < 5:
                errors.append(f"#{i}: HTTP {status}: {answer[:200]!r}")
            results.append((case_id, due, sent, done, status))
            if close:
                writer.close()
                reader, writer = await open_connection(args.port)

    workers = [asyncio.create_task(worker()) for _ in range(args.connections)]
    start = time.time() + 0.2
    for i in range(total):
        due = start + i / args.rate
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, due))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    end = time.time()

    with open(args.out, "w") as out:
        for row in results:
            out.write("\t".join(str(v) for v in row) + "\n")
    ok = [r for r in results if r[4] == 201]
    lags = sorted(r[2] - r[1] for r in results)
    answers = sorted(r[3] - r[2] for r in ok)

    def pct(values, p):
        return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else None

    print(json.dumps({
        "planned": total, "answered": len(results), "created": len(ok), "errors": errors[:5],
        "achieved_rate": len(ok) / (end - start) if end > start else 0,
        "send_lag_p99_ms": pct(lags, 0.99), "response_p50_ms": pct(answers, 0.5), "response_p99_ms": pct(answers, 0.99),
    }))
    return 0 if len(ok) == total else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
