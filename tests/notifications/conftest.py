"""The notifications service's rules in-process against a real PostgreSQL database (no broker):
events are fed to `handling.follow` as the consumer would, in one transaction each."""
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from runtime import db
from runtime.config import settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "notifications" / "migrations"


@pytest.fixture
def nconn():
    url = f"{settings().pg_url}/test_n{uuid.uuid4().hex[:12]}"
    db.create_database(url)
    db.migrate(url, MIGRATIONS)
    with db.connect(url) as connection:
        yield connection
    db.drop_database(url)


class Feed:
    """Envelopes as the roles and courses services publish them, applied like the consumer does."""

    def __init__(self, conn):
        self.conn = conn
        self.versions: dict[str, int] = {}

    def __call__(self, event_type: str, stream: str, payload: dict, at: datetime) -> dict:
        from services.notifications import handling

        version = self.versions[stream] = self.versions.get(stream, -1) + 1
        envelope = {"event_id": str(uuid.uuid4()), "type": event_type, "schema_version": 1, "stream": stream,
                    "stream_version": version, "global_position": 0, "occurred_at": at.isoformat(),
                    "payload": payload, "correlation_id": str(uuid.uuid4())}
        handling.follow(self.conn, envelope, at, "region-1084")
        self.conn.commit()
        return envelope


@pytest.fixture
def feed(nconn):
    return Feed(nconn)


class RecordingMailer:
    """Stands in for SMTP in these in-process tests (the broker tests use a real SMTP server)."""

    def __init__(self, fail_times: int = 0):
        self.sent: list[dict] = []
        self.fail_times = fail_times

    def send(self, delivery_id, to, subject, body, calendar=None):
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionRefusedError("smtp down")
        self.sent.append({"id": str(delivery_id), "to": to, "subject": subject, "body": body, "calendar": calendar})


@pytest.fixture
def mailer():
    return RecordingMailer()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
