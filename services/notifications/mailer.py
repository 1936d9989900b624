"""E-mail over SMTP with the standard library. Configured by environment: SMTP_HOST, SMTP_PORT,
SMTP_FROM, SMTP_STARTTLS ("1" to upgrade the connection), SMTP_USER/SMTP_PASSWORD (optional)."""
from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from services.notifications.messages import smtp_message_id


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int
    sender: str
    domain: str
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 10

    @classmethod
    def from_environment(cls) -> "Mailer | None":
        """None when no SMTP server is configured: e-mails then wait in the ledger until one is."""
        if not os.environ.get("SMTP_PORT"):
            return None
        sender = os.environ.get("SMTP_FROM", "ikke-svar@peer.example")
        return cls(os.environ.get("SMTP_HOST", "127.0.0.1"), int(os.environ["SMTP_PORT"]), sender,
                   sender.rsplit("@", 1)[-1], os.environ.get("SMTP_STARTTLS") == "1",
                   os.environ.get("SMTP_USER") or None, os.environ.get("SMTP_PASSWORD") or None)

    def compose(self, delivery_id, to: str, subject: str, body: str, calendar: str | None) -> EmailMessage:
        message = EmailMessage()
        message["Message-ID"] = smtp_message_id(delivery_id, self.domain)
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Date"] = formatdate(usegmt=True)
        message.set_content(body)
        if calendar:
            message.add_attachment(calendar, subtype="calendar", filename="session.ics")
        return message

    def send(self, delivery_id, to: str, subject: str, body: str, calendar: str | None = None) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(self.compose(delivery_id, to, subject, body, calendar))
