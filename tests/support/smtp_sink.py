"""A real SMTP server on loopback for tests (aiosmtpd), run as its own process:

    python -m tests.support.smtp_sink --port 2525 --mailbox /tmp/mail [--delay 0.05]

Every message it accepts is written to the mailbox directory as one file (written, then renamed, so
a reader never sees half a message). `--delay` slows each acceptance, so a batch takes long enough
to be interrupted."""
from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import os
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self, directory: Path, delay: float):
        self.directory, self.delay = directory, delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        name = f"{time.time_ns()}-{uuid.uuid4().hex}"
        temporary = self.directory / f".{name}"
        temporary.write_bytes(envelope.original_content or envelope.content)
        os.rename(temporary, self.directory / f"{name}.eml")
        return "250 OK"


def read_mailbox(directory: Path) -> list[email.message.EmailMessage]:
    """The messages accepted so far, oldest first."""
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(directory.glob("*.eml"))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mailbox", type=Path, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    args.mailbox.mkdir(parents=True, exist_ok=True)
    controller = Controller(Mailbox(args.mailbox, args.delay), hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
