#!/usr/bin/env python3
"""Local SMTP sink for Samtak's tests and demo: accepts mail and stores it as .eml files.

Serve (the default command):

    python smtp_sink.py --port 2525 --dir .local/mail
        [--host 127.0.0.1]
        [--reject-recipient ADDRESS ...]   answer "550 5.1.1" at RCPT TO for these addresses
                                           (case-insensitive; the option may be repeated)
        [--fail-first K]                   answer "451 4.3.0" to the first K DATA transactions
                                           (after the message text, as a busy server would),
                                           to exercise retries
        [--delay-ms N]                     after storing a message, wait N ms before answering
                                           "250" (widens the window in which a sender can die
                                           after the message arrived but before it learnt so)
        [--exit-with-parent]               stop when the process that started the sink exits
                                           (tests use it so a crashed test leaves nothing behind)

  Each accepted message is stored once per envelope recipient as DIR/<time>-<n>-<random>.eml,
  written to a temporary name first and renamed, so a reader never sees half a file. The stored
  file is the message exactly as received, preceded by two trace headers an MTA would add:
  "Return-Path: <sender>" and "Delivered-To: <recipient>".

  Like a mailbox, the sink keeps one message per (recipient, Message-ID): a message whose
  Message-ID the recipient already has is accepted ("250") but not stored again; it is counted
  as a re-send, one line "recipient<TAB>Message-ID" in DIR/resends.log. Messages already in
  DIR when the sink starts count as held (a restarted sink keeps its mailboxes).

  "ready" is printed on stdout (and flushed) once the port is listening; tests wait for it.
  SIGTERM, SIGINT or SIGHUP stops the sink cleanly (exit status 0). It does not offer STARTTLS or AUTH:
  point Samtak at it with SAMTAK_SMTP_URL=smtp://127.0.0.1:PORT and SAMTAK_SMTP_STARTTLS=never
  (or if_available).

List what was received:

    python smtp_sink.py list --dir .local/mail

  prints one tab-separated line per stored message, oldest first:
  recipient, decoded subject, Message-ID.

    python smtp_sink.py stats --dir .local/mail

  prints {"messages": <stored>, "resends": <re-sends dropped>} as JSON.

Needs aiosmtpd (installed in .local/venv by Deploy/bootstrap).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import sys
import time
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path

__all__ = ["SinkHandler", "main"]


class SinkHandler:
    """aiosmtpd handler: checks recipients at RCPT, stores messages at the end of DATA."""

    def __init__(self, directory: Path, reject: set[str], fail_first: int, delay_ms: int = 0) -> None:
        self.directory = directory
        self.reject = {address.strip().lower() for address in reject}
        self.failures_left = max(0, fail_first)
        self.delay = max(0, delay_ms) / 1000.0
        self.counter = itertools.count(1)
        # (recipient, Message-ID) of every stored message: the mailbox keeps one of each.
        self.held: set[tuple[str, str]] = set()
        for path in directory.glob("*.eml"):
            recipient, _, message_id = _headers(path)
            self.held.add((recipient.lower(), message_id))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd hook name)
        if address.strip().lower() in self.reject:
            return "550 5.1.1 Recipient address rejected: user unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        if self.failures_left > 0:
            self.failures_left -= 1
            return "451 4.3.0 Temporary failure, please try again later"
        content = envelope.original_content or b""
        sender = envelope.mail_from or ""
        message_id = _message_id(content)
        # The (recipient, Message-ID) is claimed before the write, so two sessions delivering
        # the same message at once store it once; the write and its fsync run on a thread,
        # so sessions overlap their disk waits instead of queueing behind each other.
        #
        # A claim stands for a message in the mailbox, so a claimed write always runs to its
        # end: when the sender's connection drops before the reply, aiosmtpd cancels this
        # handler, and cancelling the write with it (it may still wait for an executor thread)
        # would leave the claim without the message; the sender's re-send would then be taken
        # for a duplicate and never stored. The writes are shielded from that cancellation;
        # a write that fails gives its claim back.
        loop = asyncio.get_running_loop()
        writes = []
        for recipient in envelope.rcpt_tos:
            key = (recipient.strip().lower(), message_id)
            if message_id and key in self.held:
                self._record_resend(recipient, message_id)
                continue
            if message_id:
                self.held.add(key)
            write = loop.run_in_executor(None, self._store, sender, recipient, content)
            write.add_done_callback(lambda done, key=key: self._release_if_failed(done, key))
            writes.append(write)
        try:
            await asyncio.shield(asyncio.gather(*writes))
        except OSError as error:
            print(f"smtp_sink: cannot store message: {error}", file=sys.stderr, flush=True)
            return "451 4.3.0 Cannot store the message"
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 Message accepted"

    def _release_if_failed(self, write: asyncio.Future, key: tuple[str, str]) -> None:
        if write.cancelled() or write.exception() is not None:
            self.held.discard(key)

    def _record_resend(self, recipient: str, message_id: str) -> None:
        with open(self.directory / "resends.log", "a", encoding="utf-8") as handle:
            handle.write(f"{recipient}\t{message_id}\n")
            handle.flush()

    def _store(self, sender: str, recipient: str, content: bytes) -> None:
        trace = f"Return-Path: <{sender}>\r\nDelivered-To: {recipient}\r\n".encode("utf-8", "surrogateescape")
        name = f"{time.time_ns():020d}-{next(self.counter):06d}-{uuid.uuid4().hex[:12]}"
        temporary = self.directory / f".{name}.tmp"
        final = self.directory / f"{name}.eml"
        with open(temporary, "wb") as handle:
            handle.write(trace)
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)


def _message_id(content: bytes) -> str:
    headers = BytesParser(policy=policy.default).parsebytes(content, headersonly=True)
    return str(headers.get("Message-ID", "")).strip()


def _headers(path: Path) -> tuple[str, str, str]:
    """(Delivered-To, decoded Subject, Message-ID) of a stored message."""
    with open(path, "rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle, headersonly=True)
    recipient = str(message.get("Delivered-To", "")).strip()
    subject = " ".join(str(message.get("Subject", "")).split())
    return recipient, subject, str(message.get("Message-ID", "")).strip()


async def serve(args: argparse.Namespace) -> int:
    from aiosmtpd.smtp import SMTP  # imported here so "list" works without aiosmtpd

    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    handler = SinkHandler(directory, set(args.reject_recipient or []), args.fail_first, args.delay_ms)
    loop = asyncio.get_running_loop()

    def factory() -> SMTP:
        return SMTP(
            handler,
            hostname="samtak-smtp-sink",
            ident="Samtak SMTP sink",
            enable_SMTPUTF8=True,
            decode_data=False,
            data_size_limit=50 * 1024 * 1024,
        )

    try:
        server = await loop.create_server(factory, host=args.host, port=args.port, reuse_address=True)
    except OSError as error:
        print(f"smtp_sink: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr, flush=True)
        return 2

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)

    async def watch_parent(parent: int) -> None:
        while not stop.is_set():
            if os.getppid() != parent:
                stop.set()
                return
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch_parent(os.getppid())) if args.exit_with_parent else None

    print("ready", flush=True)
    async with server:
        await stop.wait()
    if watcher is not None:
        watcher.cancel()
    return 0


def list_messages(directory: Path) -> int:
    if not directory.is_dir():
        print(f"smtp_sink: no such directory: {directory}", file=sys.stderr)
        return 1
    for path in sorted(directory.glob("*.eml")):
        recipient, subject, message_id = _headers(path)
        print(f"{recipient}\t{subject}\t{message_id}")
    return 0


def stats(directory: Path) -> int:
    if not directory.is_dir():
        print(f"smtp_sink: no such directory: {directory}", file=sys.stderr)
        return 1
    resends_path = directory / "resends.log"
    resends = 0
    if resends_path.exists():
        with open(resends_path, encoding="utf-8") as handle:
            resends = sum(1 for line in handle if line.strip())
    print(json.dumps({"messages": sum(1 for _ in directory.glob("*.eml")), "resends": resends}))
    return 0


def main(argv: list[str] | None = None) -> int:
    # A parent may start us with signals blocked (threads of Swift/GCD programs block them, and
    # the mask is inherited): unblock the ones that stop the sink, or terminating it would hang.
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "list":
        parser = argparse.ArgumentParser(prog="smtp_sink.py list", description="List stored messages.")
        parser.add_argument("--dir", required=True, help="directory the sink stores messages in")
        return list_messages(Path(parser.parse_args(argv[1:]).dir))
    if argv and argv[0] == "stats":
        parser = argparse.ArgumentParser(prog="smtp_sink.py stats", description="Count stored messages and re-sends.")
        parser.add_argument("--dir", required=True, help="directory the sink stores messages in")
        return stats(Path(parser.parse_args(argv[1:]).dir))

    if argv and argv[0] == "serve":
        argv = argv[1:]
    parser = argparse.ArgumentParser(
        prog="smtp_sink.py",
        description="Local SMTP sink storing .eml files (see the module docstring; 'list' lists them).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, required=True, help="port to listen on")
    parser.add_argument("--dir", required=True, help="directory to store .eml files in (created if missing)")
    parser.add_argument("--reject-recipient", action="extend", nargs="+", metavar="ADDRESS",
                        help="answer 550 at RCPT TO for these addresses (repeatable)")
    parser.add_argument("--fail-first", type=int, default=0, metavar="K",
                        help="answer 451 to the first K DATA transactions")
    parser.add_argument("--delay-ms", type=int, default=0, metavar="N",
                        help="wait N ms after storing a message before answering 250")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the parent process exits")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error("--port must be between 1 and 65535")
    try:
        return asyncio.run(serve(args))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
