"""Recipient resolvers named by the rules: each gives the person ids a message goes to.

`subject_id` is what the message is about: the event's stream id (a function description, an
agreement, a peer, a course) or a reminder's subject (a session, an agreement, a peer). Persons are
ids only; their e-mail address is asked of roles when the message is sent (service.contact_of).
"""
from __future__ import annotations

from services.notifications import projections


def _ids(rows) -> list[str]:
    return [str(r["id"]) for r in rows if r["id"] is not None]


def _course_of(conn, subject_id: str) -> str:
    """A session's course, or the subject itself when it is a course."""
    row = conn.execute("SELECT course_id FROM known_sessions WHERE id = %s", (subject_id,)).fetchone()
    return str(row["course_id"]) if row else subject_id


def peers_under_description(conn, subject_id, payload):
    return _ids(conn.execute("SELECT id FROM known_peers WHERE function_description_id = %s ORDER BY id",
                             (subject_id,)).fetchall())


def leaders_of_peers_under_description(conn, subject_id, payload):
    return _ids(conn.execute("SELECT DISTINCT leader_id AS id FROM known_peers WHERE function_description_id = %s "
                             "ORDER BY leader_id", (subject_id,)).fetchall())


def volunteer(conn, subject_id, payload):
    return _ids(conn.execute("SELECT volunteer_id AS id FROM known_agreements WHERE id = %s",
                             (subject_id,)).fetchall())


def agreement_coordinator(conn, subject_id, payload):
    """The coordinator of the agreement: the subject, or the one a volunteer's fact names."""
    return _ids(conn.execute("SELECT coordinator_id AS id FROM known_agreements WHERE id = %s",
                             (payload.get("agreement_id") or subject_id,)).fetchall())


def peer(conn, subject_id, payload):
    return [str(subject_id)]


def peer_leader(conn, subject_id, payload):
    return _ids(conn.execute("SELECT leader_id AS id FROM known_peers WHERE id = %s", (subject_id,)).fetchall())


def completed_peer(conn, subject_id, payload):
    return [str(payload["peer_id"])] if payload.get("peer_id") else []


def coordinators_of_completed_peer(conn, subject_id, payload):
    if not payload.get("peer_id"):
        return []
    return _ids(conn.execute("SELECT DISTINCT coordinator_id AS id FROM known_agreements "
                             "WHERE volunteer_id = %s AND status <> 'ended' ORDER BY coordinator_id",
                             (payload["peer_id"],)).fetchall())


def added_facilitator(conn, subject_id, payload):
    return [str(payload["peer_id"])]


def enrolled_peer(conn, subject_id, payload):
    return [str(payload["peer_id"])] if payload.get("peer_id") else []


def promoted_peer(conn, subject_id, payload):
    return _ids(conn.execute("SELECT person_id AS id FROM known_course_people WHERE participant_id = %s",
                             (payload["participant_id"],)).fetchall())


def course_facilitators(conn, subject_id, payload):
    return _ids(conn.execute("SELECT person_id AS id FROM known_course_people WHERE course_id = %s "
                             "AND role = 'facilitator' ORDER BY person_id", (_course_of(conn, subject_id),)).fetchall())


def course_participants(conn, subject_id, payload):
    return _ids(conn.execute("SELECT person_id AS id FROM known_course_people WHERE course_id = %s "
                             "AND role = 'participant' AND status = 'enrolled' ORDER BY person_id",
                             (_course_of(conn, subject_id),)).fetchall())


def meeting_invitees(conn, subject_id, payload):
    """A notice names whom it concerns (the network's members, the meeting's invitees and facilitators
    when it was sent); a reminder (subject: an occurrence) goes to those invited now."""
    if "invitee_peer_ids" in payload:
        return sorted(str(p) for p in payload["invitee_peer_ids"])
    return _ids(conn.execute("SELECT i.person_id AS id FROM known_meeting_invitees i JOIN known_meeting_occurrences o "
                             "ON o.meeting_id = i.meeting_id WHERE o.id = %s ORDER BY i.person_id",
                             (subject_id,)).fetchall())


def acting_peer(conn, subject_id, payload):
    """The peer who acted: signed up, withdrew, attended."""
    return [str(payload["peer_id"])]


def registrant(conn, subject_id, payload):
    """The peer of this instance's own sign-up (the network service maps the national answer to it)."""
    return [str(payload["peer_id"])]


def newsletter_subscribers(conn, subject_id, payload):
    return _ids(conn.execute("SELECT person_id AS id FROM person_settings WHERE newsletter ORDER BY person_id")
                .fetchall())


RESOLVERS = {name: fn for name, fn in globals().items() if callable(fn) and not name.startswith("_")}


def resolved(conn, name: str, subject_id: str, payload: dict, memo: dict | None = None) -> list[str]:
    """One resolver's persons. `memo` holds what resolvers found for one event (same subject, same payload,
    same transaction): two rules of an event, or a rule and the check for anyone under a description, that
    name the same resolver ask the database once."""
    if memo is None:
        return RESOLVERS[name](conn, subject_id, payload)
    if name not in memo:
        memo[name] = RESOLVERS[name](conn, subject_id, payload)
    return memo[name]


def resolve(conn, rule, subject_id: str, payload: dict, memo: dict | None = None) -> list[str]:
    """The rule's recipients, each once, in a stable order, never an erased person (an event about them
    can arrive after their erasure: projections.forget_again). Resolvers of events not yet in contracts
    are absent: such rules are data only. `memo`: see `resolved`."""
    persons: list[str] = []
    for name in rule.recipients:
        for person in resolved(conn, name, subject_id, payload, memo):
            if person not in persons:
                persons.append(person)
    erased = projections.forgotten(conn, persons) if persons else set()
    return [p for p in persons if p not in erased]
