"""The network service's read models, written in the same transaction as the events they follow.

`project` is the only writer: live appends and rebuilds (`peer-admin rebuild network`) both go through
it, so a rebuild gives the same rows as the live run (times come from the events, never the clock;
orderings from the events' global positions). Sealed values (a sign-up's note) stay sealed here.
"""
from __future__ import annotations

import json

from runtime.privacy import erasure
from runtime.eventstore.projection import Handlers, touching

READ_MODEL_TABLES = ("network_peers", "networks", "network_members", "meetings", "meeting_invitees",
                     "meeting_occurrences", "meeting_sign_ups", "meeting_attendance", "resources", "national_events",
                     "national_sign_ups")

# Where a person's data sits, so that an erasure forgets it (runtime/privacy/erasure.py, `forget`): every row naming the
# peer goes (membership in a peer network reveals being a peer); meetings and resources stay.
PERSON_ROWS = (("network_peers", "id"), ("network_members", "peer_id"), ("meeting_invitees", "peer_id"),
               ("meeting_sign_ups", "peer_id"), ("meeting_attendance", "peer_id"), ("national_sign_ups", "peer_id"))
PERSON_VALUES = ()

_handlers = Handlers()
handles, project = _handlers.handles, _handlers.project


def _json(value) -> str:
    return json.dumps(value, sort_keys=True)


@handles("forgotten_person.recorded")
def _forgotten(conn, event, person_id, p):
    erasure.forget(conn, person_id, delete=PERSON_ROWS, mask=PERSON_VALUES)


@handles("network_peer.known")
def _peer_known(conn, event, peer_id, p):
    conn.execute("INSERT INTO network_peers (id, kind, known_at) VALUES (%s, %s, %s) ON CONFLICT (id) DO NOTHING",
                 (peer_id, p["peer_kind"], event.occurred_at))


# -- networks -----------------------------------------------------------------------------------------
@handles("network.created")
def _network_created(conn, event, network_id, p):
    conn.execute("INSERT INTO networks (id, name, purpose, kind, version, created_at, updated_at) "
                 "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                 (network_id, p["name"], p["purpose"], p["kind"], event.stream_version, event.occurred_at,
                  event.occurred_at))


_network_event = touching("networks")


@handles("network.member_joined")
@_network_event
def _member_joined(conn, event, network_id, p):
    conn.execute("INSERT INTO network_members (network_id, peer_id, peer_kind, joined_at) VALUES (%s, %s, %s, %s)",
                 (network_id, p["peer_id"], p["peer_kind"], event.occurred_at))


@handles("network.member_left")
@_network_event
def _member_left(conn, event, network_id, p):
    conn.execute("DELETE FROM network_members WHERE network_id = %s AND peer_id = %s", (network_id, p["peer_id"]))


@handles("network.facilitator_added")
@_network_event
def _facilitator_added(conn, event, network_id, p):
    conn.execute("UPDATE network_members SET facilitator = true WHERE network_id = %s AND peer_id = %s",
                 (network_id, p["peer_id"]))


@handles("network.facilitator_removed")
@_network_event
def _facilitator_removed(conn, event, network_id, p):
    conn.execute("UPDATE network_members SET facilitator = false WHERE network_id = %s AND peer_id = %s",
                 (network_id, p["peer_id"]))


# -- meetings -----------------------------------------------------------------------------------------
@handles("meeting.scheduled")
def _meeting_scheduled(conn, event, meeting_id, p):
    conn.execute(
        "INSERT INTO meetings (id, kind, title, place, network_id, workplace, facilitator_peer_ids, schedule, status, "
        "version, scheduled_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'active', %s, %s, %s)",
        (meeting_id, p["kind"], p["title"], p["place"], p.get("network_id"), p.get("workplace"),
         _json(p.get("facilitator_peer_ids", [])), _json(p["schedule"]), event.stream_version, event.occurred_at,
         event.occurred_at))
    for o in p["occurrences"]:
        conn.execute(
            "INSERT INTO meeting_occurrences (meeting_id, occurrence, starts_at, ends_at, place, status, agenda, "
            "sequence, created_at, changed_at) VALUES (%s, %s, %s, %s, %s, 'scheduled', '[]', 0, %s, %s)",
            (meeting_id, o["occurrence"], o["starts_at"], o["ends_at"], p["place"], event.occurred_at,
             event.occurred_at))


_meeting_event = touching("meetings")
_resource_event = touching("resources")


@handles("meeting.invited")
@_meeting_event
def _invited(conn, event, meeting_id, p):
    for peer_id in p["peer_ids"]:
        conn.execute("INSERT INTO meeting_invitees (meeting_id, peer_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                     (meeting_id, peer_id))


@handles("meeting.occurrence_moved")
@_meeting_event
def _moved(conn, event, meeting_id, p):
    conn.execute("UPDATE meeting_occurrences SET starts_at = %s, ends_at = %s, place = %s, sequence = sequence + 1, "
                 "changed_at = %s WHERE meeting_id = %s AND occurrence = %s",
                 (p["starts_at"], p["ends_at"], p["place"], event.occurred_at, meeting_id, p["occurrence"]))


@handles("meeting.occurrence_cancelled")
@_meeting_event
def _occurrence_cancelled(conn, event, meeting_id, p):
    conn.execute("UPDATE meeting_occurrences SET status = 'cancelled', sequence = sequence + 1, changed_at = %s "
                 "WHERE meeting_id = %s AND occurrence = %s", (event.occurred_at, meeting_id, p["occurrence"]))


@handles("meeting.cancelled")
@_meeting_event
def _meeting_cancelled(conn, event, meeting_id, p):
    conn.execute("UPDATE meetings SET status = 'cancelled' WHERE id = %s", (meeting_id,))
    conn.execute("UPDATE meeting_occurrences SET status = 'cancelled', sequence = sequence + 1, changed_at = %s "
                 "WHERE meeting_id = %s AND status = 'scheduled'", (event.occurred_at, meeting_id))


@handles("meeting.agenda_set")
@_meeting_event
def _agenda_set(conn, event, meeting_id, p):
    conn.execute("UPDATE meeting_occurrences SET theme = %s, agenda = %s, changed_at = %s "
                 "WHERE meeting_id = %s AND occurrence = %s",
                 (p.get("theme"), _json(p["agenda"]), event.occurred_at, meeting_id, p["occurrence"]))


@handles("meeting.signed_up")
@_meeting_event
def _signed_up(conn, event, meeting_id, p):
    conn.execute("INSERT INTO meeting_sign_ups (meeting_id, occurrence, peer_id, note, signed_up_at, position) "
                 "VALUES (%s, %s, %s, %s, %s, %s)",
                 (meeting_id, p["occurrence"], p["peer_id"], p.get("note"), event.occurred_at, event.global_position))


@handles("meeting.sign_up_cancelled")
@_meeting_event
def _sign_up_cancelled(conn, event, meeting_id, p):
    conn.execute("DELETE FROM meeting_sign_ups WHERE meeting_id = %s AND occurrence = %s AND peer_id = %s",
                 (meeting_id, p["occurrence"], p["peer_id"]))


def _attendance(conn, event, meeting_id, occurrence, peer_id, status) -> None:
    conn.execute(
        "INSERT INTO meeting_attendance (meeting_id, occurrence, peer_id, status, recorded_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (meeting_id, occurrence, peer_id) DO UPDATE SET "
        "status = EXCLUDED.status, recorded_at = EXCLUDED.recorded_at",
        (meeting_id, occurrence, peer_id, status, event.occurred_at))


@handles("meeting.held")
@_meeting_event
def _held(conn, event, meeting_id, p):
    conn.execute("UPDATE meeting_occurrences SET status = 'held', held_at = %s, duration_minutes = %s, "
                 "changed_at = %s WHERE meeting_id = %s AND occurrence = %s",
                 (p["held_at"], p["duration_minutes"], event.occurred_at, meeting_id, p["occurrence"]))
    for a in p["attendance"]:
        _attendance(conn, event, meeting_id, p["occurrence"], a["peer_id"], a["status"])


@handles("meeting.attendance_recorded")
@_meeting_event
def _attendance_recorded(conn, event, meeting_id, p):
    _attendance(conn, event, meeting_id, p["occurrence"], p["peer_id"], p["status"])


# -- resources ----------------------------------------------------------------------------------------
@handles("resource.shared")
def _resource_shared(conn, event, resource_id, p):
    conn.execute(
        "INSERT INTO resources (id, network_id, title, kind, url, text, tags, theme, shared_by, status, version, "
        "shared_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'shared', %s, %s, %s)",
        (resource_id, p["network_id"], p["title"], p["kind"], p.get("url"), p.get("text"), _json(p.get("tags", [])),
         p.get("theme"), p["shared_by"], event.stream_version, event.occurred_at, event.occurred_at))


@handles("resource.withdrawn")
@_resource_event
def _resource_withdrawn(conn, event, resource_id, p):
    conn.execute("UPDATE resources SET status = 'withdrawn' WHERE id = %s", (resource_id,))


@handles("resource.offered_nationally")
@_resource_event
def _resource_offered(conn, event, resource_id, p):
    conn.execute("UPDATE resources SET offered_on = %s WHERE id = %s", (p["offered_on"], resource_id))


# -- national events (announced by the national instance) and this instance's sign-ups ----------------------
@handles("national_event_notice.announced")
def _national_event_announced(conn, event, national_event_id, p):
    conn.execute("INSERT INTO national_events (id, title, starts_at, ends_at, place, capacity, themes, programme, "
                 "announced_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                 (national_event_id, p["title"], p["starts_at"], p["ends_at"], p["place"], p["capacity"],
                  _json(p["themes"]), _json(p["programme"]), event.occurred_at))


def _sign_up_status(status: str, position_from: str | None = None):
    def handler(conn, event, sign_up_id, p):
        conn.execute("UPDATE national_sign_ups SET status = %s, position = %s, updated_at = %s WHERE id = %s",
                     (status, p.get(position_from) if position_from else None, event.occurred_at, sign_up_id))
    return handler


@handles("national_sign_up.registered")
def _national_sign_up(conn, event, sign_up_id, p):
    conn.execute("INSERT INTO national_sign_ups (id, national_event_id, peer_id, status, updated_at) "
                 "VALUES (%s, %s, %s, 'requested', %s) ON CONFLICT (id) DO UPDATE SET status = 'requested', "
                 "position = NULL, attended = false, updated_at = EXCLUDED.updated_at",
                 (sign_up_id, p["national_event_id"], p["peer_id"], event.occurred_at))


@handles("national_sign_up.requested")
def _national_sign_up_requested(conn, event, sign_up_id, p):
    conn.execute("UPDATE national_sign_ups SET pseudonym = %s WHERE id = %s", (p["pseudonym"], sign_up_id))


@handles("national_sign_up.attended")
def _national_sign_up_attended(conn, event, sign_up_id, p):
    conn.execute("UPDATE national_sign_ups SET attended = true, updated_at = %s WHERE id = %s",
                 (event.occurred_at, sign_up_id))


handles("national_sign_up.withdrawal_requested")(_sign_up_status("withdrawn"))
handles("national_sign_up.accepted")(_sign_up_status("accepted"))
handles("national_sign_up.promoted")(_sign_up_status("accepted"))
handles("national_sign_up.waitlisted")(_sign_up_status("waitlisted", "position"))
handles("national_sign_up.cancelled")(_sign_up_status("cancelled"))
