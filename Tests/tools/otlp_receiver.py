#!/usr/bin/env python3
"""A small OTLP/HTTP trace receiver for Samtak's tests: what a collector would get.

    python otlp_receiver.py --port 4318 --out spans.jsonl [--exit-with-parent]

Accepts `POST /v1/traces` with `Content-Type: application/json` (OTLP's JSON encoding of an
ExportTraceServiceRequest), answers 200 `{}` (OTLP's ExportTraceServiceResponse) and appends
one JSON object per span to the output file:

    {"service": "samtak-intake", "trace_id": "<32 hex>", "span_id": "<16 hex>",
     "parent_span_id": "<16 hex>" | null, "name": "...", "kind": 2,
     "start": <unix ns>, "end": <unix ns>, "attributes": {"key": value, ...},
     "links": [{"trace_id": ..., "span_id": ...}], "status": 0 | 1 | 2}

A request that is not JSON OTLP (protobuf, a malformed body, a span without its ids) is
answered 400 and counted in the file `<out>.rejected`; anything else on another path 404.
"ready" is printed once the port listens. SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")


def attribute_value(value: dict):
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        return int(value["intValue"])
    if "arrayValue" in value:
        return [attribute_value(v) for v in value["arrayValue"].get("values", [])]
    raise ValueError("unknown attribute value")


def attributes(items: list) -> dict:
    return {item["key"]: attribute_value(item["value"]) for item in items or []}


def flatten(request: dict) -> list[dict]:
    spans = []
    for resource_spans in request["resourceSpans"]:
        resource = attributes(resource_spans.get("resource", {}).get("attributes", []))
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                trace_id, span_id = span["traceId"], span["spanId"]
                parent = span.get("parentSpanId") or None
                if not HEX32.match(trace_id) or not HEX16.match(span_id) or (parent and not HEX16.match(parent)):
                    raise ValueError("span ids are not lowercase hex of the right length")
                spans.append({
                    "service": resource.get("service.name"),
                    "trace_id": trace_id,
                    "span_id": span_id,
                    "parent_span_id": parent,
                    "name": span["name"],
                    "kind": int(span.get("kind", 0)),
                    "start": int(span["startTimeUnixNano"]),
                    "end": int(span["endTimeUnixNano"]),
                    "attributes": attributes(span.get("attributes", [])),
                    "links": [{"trace_id": l["traceId"], "span_id": l["spanId"]} for l in span.get("links", [])],
                    "status": int(span.get("status", {}).get("code", 0)),
                })
    return spans


class Receiver(BaseHTTPRequestHandler):
    out_path = ""
    lock = threading.Lock()

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass

    def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 (http.server's hook name)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path != "/v1/traces":
            self._answer(404, b"{}")
            return
        try:
            if not self.headers.get("Content-Type", "").startswith("application/json"):
                raise ValueError("not JSON")
            spans = flatten(json.loads(body))
        except (ValueError, KeyError, TypeError) as error:
            with self.lock, open(self.out_path + ".rejected", "a", encoding="utf-8") as handle:
                handle.write(f"{error}\n")
            self._answer(400, json.dumps({"error": str(error)}).encode())
            return
        with self.lock, open(self.out_path, "a", encoding="utf-8") as handle:
            for span in spans:
                handle.write(json.dumps(span, sort_keys=True) + "\n")
            handle.flush()
        self._answer(200, b"{}")


def main() -> int:
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser(description="OTLP/HTTP (JSON) trace receiver writing spans as JSON lines.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True, help="file to append one JSON object per span to")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the parent process exits")
    args = parser.parse_args()
    Receiver.out_path = args.out
    open(args.out, "a").close()
    server = ThreadingHTTPServer((args.host, args.port), Receiver)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    if args.exit_with_parent:
        parent = os.getppid()

        def watch():
            import time
            while os.getppid() == parent:
                time.sleep(0.5)
            server.shutdown()
        threading.Thread(target=watch, daemon=True).start()
    print("ready", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
