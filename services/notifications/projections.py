"""What the notifications service knows of other services' facts, to resolve recipients and fill
templates: ids, times, titles, places. Never a name or contact data (those are fetched from roles
when a message is sent). Written in the same transaction as the consumed event (runtime/eventstore/inbox.py).

It has no events of its own, so `peer-admin rebuild notifications` rebuilds these tables from the
sources' feeds through the service's own `@consumes` handlers (runtime/messaging/replay.py, `rebuild_from_feeds`);
hence no module-level `project` here. The inbox, the send ledger, reminders and preferences are not
rebuilt: they record what was sent and what people chose. Replaying the feeds plans nothing again
(message ids are deterministic and already in the ledger), so a rebuild never sends a second copy.

Erasure and order: the feeds of roles, courses and network are separate queues (and a rebuild replays
them one after the other), so an event naming a person can be applied after that person's
`person.erased`. `forget` therefore records the person in `forgotten_persons` (an id only, kept through
rebuilds), every applied event forgets again the forgotten persons it names, and no message is planned
for them (recipients.resolve).
"""
from __future__ import annotations

import uuid

from runtime.privacy import erasure

READ_MODEL_TABLES = ("known_peers", "known_agreements", "known_courses", "known_course_people", "known_sessions",
                     "known_meetings", "known_meeting_occurrences", "known_meeting_invitees", "known_national_events")

# Where persons' data sits, so that `person.erased` forgets it (runtime/privacy/erasure.py, `forget`): their messages,
# preferences, pending reminders and the facts about them.
PERSON_ROWS = (("inbox_messages", "recipient_person"), ("deliveries", "person_id"), ("reminders", "person_id"),
               ("channel_preferences", "person_id"), ("person_settings", "person_id"), ("known_peers", "id"),
               ("known_agreements", "volunteer_id"), ("known_course_people", "person_id"),
               ("known_meeting_invitees", "person_id"))
# Payload fields that name a person (a peer, a volunteer, a leader, a coordinator), and streams that are one.
PERSON_FIELDS = ("peer_id", "volunteer_id", "leader_id", "coordinator_id", "invitee_peer_ids")
PERSON_STREAM_CATEGORIES = ("peer", "volunteer")

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


def forget(conn, person_id: str, erased_event_id: str, at) -> None:
    """`person.erased` applied: forget what is known of the person, and remember that they were erased."""
    conn.execute("INSERT INTO forgotten_persons (person_id, erased_event_id, recorded_at) VALUES (%s, %s, %s) "
                 "ON CONFLICT DO NOTHING", (person_id, erased_event_id, at))
    erasure.forget(conn, person_id, delete=PERSON_ROWS)


def named_persons(event: dict) -> set[str]:
    category, _, stream_id = event["stream"].partition("-")
    named = {stream_id} if category in PERSON_STREAM_CATEGORIES else set()
    for name in PERSON_FIELDS:
        value = event["payload"].get(name)
        named.update(str(v) for v in (value if isinstance(value, list) else [value]) if v)
    return named


def forgotten(conn, persons) -> set[str]:
    if not persons:  # most events name nobody (a description, a course): no round trip for them
        return set()
    rows = conn.execute("SELECT person_id::text AS id FROM forgotten_persons WHERE person_id::text = ANY(%s)",
                        (list(persons),)).fetchall()
    return {r["id"] for r in rows}


def forget_again(conn, event: dict) -> None:
    """An event naming an erased person, applied after the erasure: what it just wrote of them goes."""
    for person in forgotten(conn, named_persons(event)):
        erasure.forget(conn, person, delete=PERSON_ROWS)


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


# -- network (its `meeting_notice` facts) ---------------------------------------------------------------
def occurrence_id(meeting_id, occurrence: str) -> str:
    """A meeting occurrence's id here (a reminder's subject): stable, derived from the network's keys."""
    return str(uuid.uuid5(uuid.UUID(str(meeting_id)), occurrence))


def _invitees(conn, meeting_id, p, replace: bool) -> None:
    if replace:  # a change or a cancellation names everyone invited now
        conn.execute("DELETE FROM known_meeting_invitees WHERE meeting_id = %s AND NOT person_id = ANY(%s)",
                     (meeting_id, p["invitee_peer_ids"]))
    for person in p["invitee_peer_ids"]:
        conn.execute("INSERT INTO known_meeting_invitees (meeting_id, person_id) VALUES (%s, %s) "
                     "ON CONFLICT DO NOTHING", (meeting_id, person))


@handles("meeting_notice.scheduled")
def _meeting_scheduled(conn, meeting_id, p):
    """Scheduled, or more peers invited (the notice then names only them, with the upcoming occurrences)."""
    conn.execute("INSERT INTO known_meetings (id, network_id, kind, title, place) VALUES (%s, %s, %s, %s, %s) "
                 "ON CONFLICT DO NOTHING", (meeting_id, p.get("network_id"), p["kind"], p["title"], p["place"]))
    for o in p["occurrences"]:
        conn.execute("INSERT INTO known_meeting_occurrences (id, meeting_id, occurrence, starts_at, ends_at, place, "
                     "status, sequence) VALUES (%s, %s, %s, %s, %s, %s, 'scheduled', 0) ON CONFLICT DO NOTHING",
                     (occurrence_id(meeting_id, o["occurrence"]), meeting_id, o["occurrence"], o["starts_at"],
                      o["ends_at"], p["place"]))
    _invitees(conn, meeting_id, p, replace=False)


@handles("meeting_notice.changed")
def _occurrence_moved(conn, meeting_id, p):
    conn.execute("UPDATE known_meeting_occurrences SET starts_at = %s, ends_at = %s, place = %s, "
                 "sequence = sequence + 1 WHERE id = %s",
                 (p["starts_at"], p["ends_at"], p["place"], occurrence_id(meeting_id, p["occurrence"])))
    _invitees(conn, meeting_id, p, replace=True)


@handles("meeting_notice.cancelled")
def _meeting_cancelled(conn, meeting_id, p):
    """One occurrence, or (occurrence null) every one still scheduled, as the network service cancels them."""
    where, params = ("id = %s", (occurrence_id(meeting_id, p["occurrence"]),)) if p.get("occurrence") else \
        ("meeting_id = %s", (meeting_id,))
    conn.execute(f"UPDATE known_meeting_occurrences SET status = 'cancelled', sequence = sequence + 1 "
                 f"WHERE status = 'scheduled' AND {where}", params)
    _invitees(conn, meeting_id, p, replace=True)


# -- national events, as the network service received them (the texts are public: written for announcing)
@handles("national_event_notice.announced")
def _national_event_announced(conn, national_event_id, p):
    conn.execute("INSERT INTO known_national_events (id, title, starts_at, ends_at, place) VALUES (%s, %s, %s, %s, %s) "
                 "ON CONFLICT DO NOTHING", (p["national_event_id"], p["title"], p["starts_at"], p["ends_at"], p["place"]))
