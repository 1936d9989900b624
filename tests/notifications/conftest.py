"""The notifications service's rules in-process against a real PostgreSQL database (no broker):
events are fed to `handling.follow` as the consumer would, in one transaction each."""
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from runtime import db
from runtime.config import settings
from tests.support.notification_rules import RecordingMailer

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


@pytest.fixture
def mailer():
    return RecordingMailer()
