"""What the notifications service knows of other services' facts, to resolve recipients and fill
templates: ids, times, titles, places. Never a name or contact data (those are fetched from roles
when a message is sent). Written in the same transaction as the consumed event (runtime/eventstore/inbox.py).

It has no events of its own, so `peer-admin rebuild notifications` rebuilds these tables from the
sources' feeds through the service's own `@consumes` handlers (runtime/messaging/replay.py, `rebuild_from_feeds`);
hence no module-level `project` here. The inbox, the send ledger, reminders and preferences are not
rebuilt: they record what was sent and what people chose. Replaying the feeds plans nothing again
(message ids are deterministic and already in the ledger), so a rebuild never sends a second copy.
"""
from __future__ import annotations

from runtime.privacy import vault

READ_MODEL_TABLES = ("known_peers", "known_agreements", "known_courses", "known_course_people", "known_sessions")

# Where persons' data sits, so that `person.erased` forgets it (runtime/vault.forget): their messages,
# preferences, pending reminders and the facts about them.
PERSON_ROWS = (("inbox_messages", "recipient_person"), ("deliveries", "person_id"), ("reminders", "person_id"),
               ("channel_preferences", "person_id"), ("person_settings", "person_id"), ("known_peers", "id"),
               ("known_agreements", "volunteer_id"), ("known_course_people", "person_id"))

_HANDLERS = {}


def handles(*event_types: str):
    def register(fn):
        for event_type in event_types:
            _HANDLERS[event_type] = fn
        return fn
    return register


def apply(conn, event: dict) -> None:
    handler = _HANDLERS.get(event["type"])
    if handler is not None:
        handler(conn, event["stream"].split("-", 1)[1], event["payload"])


def forget(conn, person_id: str) -> None:
    vault.forget(conn, person_id, delete=PERSON_ROWS)


# -- roles --------------------------------------------------------------------------------------------
@handles("peer.registered", "peer.assignment_changed")
def _peer(conn, peer_id, p):
    conn.execute("INSERT INTO known_peers (id) VALUES (%s) ON CONFLICT DO NOTHING", (peer_id,))
    for column in ("leader_id", "function_description_id"):
        if column in p:
            conn.execute(f"UPDATE known_peers SET {column} = %s WHERE id = %s", (p[column], peer_id))


@handles("volunteer_agreement.drafted")
def _agreement_drafted(conn, agreement_id, p):
    conn.execute("INSERT INTO known_agreements (id, volunteer_id, coordinator_id, status) "
                 "VALUES (%s, %s, %s, 'drafted') ON CONFLICT DO NOTHING",
                 (agreement_id, p["volunteer_id"], p["coordinator_id"]))


@handles("volunteer_agreement.activated", "volunteer_agreement.renewed")
def _agreement_term(conn, agreement_id, p):
    conn.execute("UPDATE known_agreements SET status = 'active', term_ends_on = %s WHERE id = %s",
                 (p["term_ends_on"], agreement_id))


@handles("volunteer_agreement.pause_announced", "volunteer_agreement.resumed", "volunteer_agreement.ended")
def _agreement_status(conn, agreement_id, p):
    status = "ended" if "ended_on" in p else "paused" if "pause_from" in p else "active"
    conn.execute("UPDATE known_agreements SET status = %s WHERE id = %s", (status, agreement_id))


# -- courses ------------------------------------------------------------------------------------------
@handles("group_course.planned")
def _course_planned(conn, course_id, p):
    conn.execute("INSERT INTO known_courses (id, kind, title, status) VALUES (%s, %s, %s, 'planned') "
                 "ON CONFLICT DO NOTHING", (course_id, p["kind"], p["title"]))


@handles("group_course.cancelled")
def _course_cancelled(conn, course_id, p):
    conn.execute("UPDATE known_courses SET status = 'cancelled' WHERE id = %s", (course_id,))


@handles("group_course.facilitator_added")
def _facilitator_added(conn, course_id, p):
    conn.execute("INSERT INTO known_course_people (course_id, person_id, role, status) "
                 "VALUES (%s, %s, 'facilitator', 'active') ON CONFLICT (course_id, person_id, role) "
                 "DO UPDATE SET status = 'active'", (course_id, p["peer_id"]))


@handles("group_course.facilitator_removed")
def _facilitator_removed(conn, course_id, p):
    conn.execute("DELETE FROM known_course_people WHERE course_id = %s AND person_id = %s AND role = 'facilitator'",
                 (course_id, p["peer_id"]))


def _list_participant(conn, course_id, p, status):
    if not p.get("peer_id"):
        return  # a citizen: no personal inbox here (and their contact data is the courses service's)
    conn.execute("INSERT INTO known_course_people (course_id, person_id, role, participant_id, status) "
                 "VALUES (%s, %s, 'participant', %s, %s) ON CONFLICT (course_id, person_id, role) "
                 "DO UPDATE SET status = EXCLUDED.status, participant_id = EXCLUDED.participant_id",
                 (course_id, p["peer_id"], p["participant_id"], status))


@handles("group_course.participant_enrolled")
def _participant_enrolled(conn, course_id, p):
    _list_participant(conn, course_id, p, "enrolled")


@handles("group_course.participant_waitlisted")
def _participant_waitlisted(conn, course_id, p):
    _list_participant(conn, course_id, p, "waitlisted")


@handles("group_course.participant_promoted")
def _participant_promoted(conn, course_id, p):
    conn.execute("UPDATE known_course_people SET status = 'enrolled' WHERE participant_id = %s",
                 (p["participant_id"],))


@handles("group_course.participant_withdrew")
def _participant_withdrew(conn, course_id, p):
    conn.execute("UPDATE known_course_people SET status = 'withdrawn' WHERE participant_id = %s",
                 (p["participant_id"],))


@handles("group_course.session_scheduled")
def _session_scheduled(conn, course_id, p):
    conn.execute("INSERT INTO known_sessions (id, course_id, title, starts_at, ends_at, place, status, sequence) "
                 "VALUES (%s, %s, %s, %s, %s, %s, 'scheduled', 0) ON CONFLICT DO NOTHING",
                 (p["session_id"], course_id, p["title"], p["starts_at"], p["ends_at"], p["place"]))


@handles("group_course.session_rescheduled")
def _session_rescheduled(conn, course_id, p):
    conn.execute("UPDATE known_sessions SET starts_at = %s, ends_at = %s, place = %s, sequence = sequence + 1 "
                 "WHERE id = %s", (p["starts_at"], p["ends_at"], p["place"], p["session_id"]))


@handles("group_course.session_cancelled")
def _session_cancelled(conn, course_id, p):
    conn.execute("UPDATE known_sessions SET status = 'cancelled', sequence = sequence + 1 WHERE id = %s",
                 (p["session_id"],))
