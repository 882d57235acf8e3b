#!/usr/bin/env python3
"""Regression tests of the SMTP sink (smtp_sink.py); Deploy/test runs them.

    .local/venv/bin/python -m unittest discover -s Tests/tools -p 'test_*.py'

The case that made NotifierProcessTests' "killed with SIGKILL halfway through 200 recipients"
see 199 of 200 messages: a client that dies after sending a message's final "." but before the
sink answers. aiosmtpd cancels the session's handler when the connection drops; the store
was still queued on the executor (all its threads busy with other sessions' fsyncs), so the
cancellation cancelled the store too, while the message's (recipient, Message-ID) stayed
claimed. The notifier's re-send after its restart was then taken for a duplicate: answered
250 and never stored. A message the sink has claimed must be stored.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import sys
import tempfile
import threading
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import smtp_sink  # noqa: E402


MESSAGE = (b"From: samtak@nordby.example\r\nTo: kari@nordby.example\r\nSubject: Saksliste\r\n"
           b"Message-ID: <agenda-1.kari@samtak>\r\n\r\nHei.\r\n")


def session(port: int, answer: bool) -> bytes:
    """One SMTP session sending MESSAGE; without `answer`, the socket closes right after the final dot."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        reader = client.makefile("rb")

        def reply() -> bytes:
            line = reader.readline()
            while line[3:4] == b"-":
                line = reader.readline()
            return line

        reply()
        for command in (b"EHLO test", b"MAIL FROM:<samtak@nordby.example>", b"RCPT TO:<kari@nordby.example>", b"DATA"):
            client.sendall(command + b"\r\n")
            reply()
        client.sendall(MESSAGE + b".\r\n")
        if not answer:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            return b""
        result = reply()
        client.sendall(b"QUIT\r\n")
        return result


class KilledSenderTests(unittest.TestCase):
    def test_a_message_whose_sender_died_before_the_reply_is_stored_once(self):
        directory = Path(tempfile.mkdtemp(prefix="samtak-sink-test-"))
        release = threading.Event()
        loop = asyncio.new_event_loop()
        # One executor thread, kept busy: the killed session's store waits in the queue, as it
        # did when the notifier's eight sessions each had an fsync in flight.
        executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        loop.set_default_executor(executor)
        handler = smtp_sink.SinkHandler(directory, set(), 0)
        from aiosmtpd.smtp import SMTP

        server = loop.run_until_complete(loop.create_server(lambda: SMTP(handler, decode_data=False), host="127.0.0.1", port=0))
        port = server.sockets[0].getsockname()[1]
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        try:
            executor.submit(release.wait)  # the busy thread
            session(port, answer=False)    # the sender dies before the reply
            # Let the sink notice the lost connection (its handler is cancelled) before the thread frees up.
            threading.Event().wait(0.5)
            release.set()
            threading.Event().wait(0.5)
            answer = session(port, answer=True)  # the re-send after the restart (same Message-ID)
            threading.Event().wait(0.5)
            stored = list(directory.glob("*.eml"))
            self.assertTrue(answer.startswith(b"250"), answer)
            self.assertEqual(len(stored), 1, "the message must be in the mailbox exactly once")
        finally:
            release.set()
            loop.call_soon_threadsafe(server.close)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            executor.shutdown(wait=False)


if __name__ == "__main__":
    unittest.main()
