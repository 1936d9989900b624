"""What the notifications service's in-process rule tests share: the people and objects of one story, the
feed of their events, a recording mailer, and reads of what was sent."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


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


PEER, LEADER, COORDINATOR = (str(uuid.uuid4()) for _ in range(3))
DESCRIPTION, AGREEMENT, COURSE, SESSION = (str(uuid.uuid4()) for _ in range(4))
NATIONAL_RULES = {"national.event_announced", "national.registration_answered", "national.competence_module_published"}
T0 = utc(2026, 11, 2, 9, 0)  # a Monday, 10:00 in Copenhagen: no quiet hours, no digest


def inbox(conn, person=None):
    query = "SELECT rule, recipient_person::text AS person, subject, body FROM inbox_messages"
    rows = conn.execute(query + " ORDER BY rule, recipient_person").fetchall()
    return [r for r in rows if person is None or r["person"] == person]


def emails(conn, **where):
    rows = conn.execute("SELECT *, person_id::text AS person FROM deliveries WHERE channel = 'email' "
                        "ORDER BY rule, person_id").fetchall()
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


def register_volunteer(feed):
    feed("peer.registered", f"peer-{PEER}", {"kind": "volunteer", "title": "frivillig peer", "name": "sealed",
                                             "workplace": "Parkvænget", "leader_id": LEADER, "mentor_id": None,
                                             "function_description_id": DESCRIPTION}, T0)
    feed("volunteer_agreement.drafted", f"volunteer_agreement-{AGREEMENT}",
         {"volunteer_id": PEER, "coordinator_id": COORDINATOR, "project": "Bro til hverdagslivet"}, T0)
