"""The SMTP server process the broker tests read (tests/support/smtp_sink.py)."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.instance import ROOT, free_port
from tests.support.smtp_sink import read_mailbox


class SmtpServer:
    def __init__(self, directory: Path, delay: float = 0.0):
        self.port, self.mailbox = free_port(), directory / "mailbox"
        self.process = subprocess.Popen([sys.executable, "-m", "tests.support.smtp_sink", "--port", str(self.port),
                                         "--mailbox", str(self.mailbox), "--delay", str(delay)], cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=open(directory / "smtp.log", "ab"))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("SMTP server did not start")

    def messages(self, to: str | None = None):
        return [m for m in read_mailbox(self.mailbox) if to is None or m["To"] == to]

    def copies_per_message_id(self) -> Counter:
        return Counter(m["Message-ID"] for m in self.messages())

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def smtp_server(tmp_path, monkeypatch):
    """A real SMTP server on loopback; the services started afterwards send to it."""
    server = SmtpServer(tmp_path)
    monkeypatch.setenv("SMTP_PORT", str(server.port))
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NOTIFICATIONS_INTERVAL_SECONDS", "0.2")
    yield server
    server.stop()
