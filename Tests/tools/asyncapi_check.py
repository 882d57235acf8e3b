#!/usr/bin/env python3
"""Checks events against Samtak's AsyncAPI 3.0 document (Sources/SamtakIntake/asyncapi.yaml).

    python asyncapi_check.py messages DOC
        prints {"messages": {type: {"topic": <channel address without "samtak.">,
                                    "examples": [payload, ...]}},
                "enums": {schema name: [values]}} as JSON

    python asyncapi_check.py validate DOC RECORDS
        RECORDS: a JSON file, a list of {"type": ..., "topic": <short topic name>, "payload": {...}}.
        Each record's type must be a message of the channel for its topic, and its payload must
        validate against the message's payload schema (JSON Schema 2020-12 with formats:
        uuid, date, date-time). Prints {"checked": n, "errors": [...]}; exit status 1 on errors.

Needs PyYAML and jsonschema (Deploy/requirements.txt).
"""

from __future__ import annotations

import json
import sys

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

PREFIX = "samtak."


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def resolve(document: dict, node):
    """Follows a local `$ref` ("#/a/b") to its target."""
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def messages(document: dict) -> dict:
    """type -> (short topic, payload schema node, message name) for every message of every channel."""
    found = {}
    for channel in document["channels"].values():
        address = channel["address"]
        if not address.startswith(PREFIX):
            raise SystemExit(f"channel address {address} does not start with {PREFIX}")
        for message_ref in channel.get("messages", {}).values():
            message = resolve(document, message_ref)
            name = message["name"]
            if name in found:
                raise SystemExit(f"message {name} is in more than one channel")
            found[name] = (address[len(PREFIX):], message["payload"])
    return found


def command_messages(path: str) -> int:
    document = load(path)
    out = {"messages": {}, "enums": {}}
    for name, (topic, payload) in messages(document).items():
        schema = resolve(document, payload)
        out["messages"][name] = {"topic": topic, "examples": schema.get("examples", [])}
    for name, schema in document["components"]["schemas"].items():
        if isinstance(schema, dict) and "enum" in schema:
            out["enums"][name] = schema["enum"]
    print(json.dumps(out, sort_keys=True))
    return 0


def command_validate(path: str, records_path: str) -> int:
    document = load(path)
    with open(records_path, encoding="utf-8") as handle:
        records = json.load(handle)
    known = messages(document)
    registry = Registry().with_resource("urn:samtak:asyncapi", Resource.from_contents(document, default_specification=DRAFT202012))
    validators = {}
    errors = []
    for index, record in enumerate(records):
        kind, topic = record["type"], record["topic"]
        if kind not in known:
            errors.append(f"record {index}: event type {kind} is not in the AsyncAPI document")
            continue
        documented_topic, payload = known[kind]
        if documented_topic != topic:
            errors.append(f"record {index}: {kind} is published on {topic}, the document has it on {documented_topic}")
        if kind not in validators:
            reference = payload["$ref"] if isinstance(payload, dict) and "$ref" in payload else None
            if reference is None:
                errors.append(f"{kind}: the payload must be a $ref to a component schema")
                continue
            validators[kind] = Draft202012Validator({"$ref": "urn:samtak:asyncapi" + reference}, registry=registry,
                                                    format_checker=FormatChecker())
        for error in validators[kind].iter_errors(record["payload"]):
            location = "/".join(str(p) for p in error.absolute_path) or "(payload)"
            errors.append(f"record {index} ({kind}): {location}: {error.message}")
    print(json.dumps({"checked": len(records), "errors": errors}, indent=1))
    return 1 if errors else 0


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "messages":
        return command_messages(argv[1])
    if len(argv) >= 3 and argv[0] == "validate":
        return command_validate(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
