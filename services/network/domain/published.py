"""Facts this service publishes for others, derived from an aggregate's new events.

They go to streams of their own, appended in the same transaction as the decision they follow:
`network_activity` for roles (volunteer activities), `meeting_notice` for notifications, and the
national `network_size`, `meeting_report` and `national_resource` (counts, enumerations, public links).
"""
from __future__ import annotations

import uuid
from datetime import datetime

from runtime.eventstore import NewEvent, stream_name
from services.network.domain.schedule import local_date

ACTIVITY_NAMESPACE = uuid.UUID("5f0c8e1a-6b7d-5c2e-9a41-3d8b2f7e6c10")


def activity_id(meeting_id, occurrence, peer_id) -> uuid.UUID:
    """One activity per peer and occurrence: attending the same meeting can never count twice."""
    return uuid.uuid5(ACTIVITY_NAMESPACE, f"{meeting_id}/{occurrence}/{peer_id}")


def network_facts(network, new_events, today) -> list[tuple[str, NewEvent]]:
    """After a join or a leave, the network's size by kind of peer (national)."""
    if not any(e.type in ("network.member_joined", "network.member_left") for e in new_events):
        return []
    size = network.size_by_kind()
    return [(stream_name("network_size", network.id), NewEvent("network_size.reported", {
        "network_kind": network.kind, "paid_members": size["paid"], "volunteer_members": size["volunteer"],
        "reported_on": today.isoformat()}))]


def _attended(meeting, occurrence, peer_id) -> tuple[str, NewEvent]:
    aid = activity_id(meeting.id, occurrence.key, peer_id)
    return stream_name("network_activity", aid), NewEvent("network_activity.attended", {
        "activity_id": str(aid), "peer_id": str(peer_id), "kind": meeting.kind, "meeting_id": str(meeting.id),
        "occurrence": occurrence.key, "held_at": occurrence.held_at, "duration_minutes": occurrence.duration_minutes})


def _withdrawn(meeting, occurrence, peer_id) -> tuple[str, NewEvent]:
    aid = activity_id(meeting.id, occurrence.key, peer_id)
    return stream_name("network_activity", aid), NewEvent("network_activity.withdrawn", {
        "activity_id": str(aid), "peer_id": str(peer_id), "reason": "attendance_corrected"})


def _report(meeting, occurrence, kind_of) -> tuple[str, NewEvent]:
    kinds = [kind_of(p) for p in occurrence.present()]
    return stream_name("meeting_report", meeting.id), NewEvent("meeting_report.held", {
        "meeting_kind": meeting.kind, "theme": occurrence.theme, "occurrence": occurrence.key,
        "held_on": local_date(datetime.fromisoformat(occurrence.held_at)).isoformat(),
        "duration_minutes": occurrence.duration_minutes, "attended_paid": kinds.count("paid"),
        "attended_volunteer": kinds.count("volunteer")})


def _notice(meeting, event_type, invitees, **payload) -> tuple[str, NewEvent]:
    return stream_name("meeting_notice", meeting.id), NewEvent(event_type, {
        "meeting_id": str(meeting.id), **payload, "invitee_peer_ids": sorted(invitees)})


def meeting_facts(before, meeting, new_events, invitees, kind_of) -> list[tuple[str, NewEvent]]:
    """(stream, event) pairs that follow from a meeting's new events. `before` is the meeting's state
    before them, `meeting` after; `invitees` who is invited (for notices), `kind_of(peer_id)` the
    peer's kind (for the national counts)."""
    facts = []
    for event in new_events:
        p = event.payload
        if event.type == "meeting.scheduled":
            facts.append(_notice(meeting, "meeting_notice.scheduled", invitees, network_id=p["network_id"],
                                 kind=p["kind"], title=p["title"], place=p["place"], occurrences=p["occurrences"]))
        elif event.type == "meeting.invited":
            upcoming = [{"occurrence": o.key, "starts_at": o.starts_at, "ends_at": o.ends_at}
                        for o in meeting.occurrences.values() if o.status == "scheduled"]
            facts.append(_notice(meeting, "meeting_notice.scheduled", [str(i) for i in p["peer_ids"]],
                                 network_id=meeting.network_id, kind=meeting.kind, title=meeting.title,
                                 place=meeting.place, occurrences=upcoming))
        elif event.type == "meeting.occurrence_moved":
            facts.append(_notice(meeting, "meeting_notice.changed", invitees, occurrence=p["occurrence"],
                                 starts_at=p["starts_at"], ends_at=p["ends_at"], place=p["place"]))
        elif event.type == "meeting.occurrence_cancelled":
            facts.append(_notice(meeting, "meeting_notice.cancelled", invitees, occurrence=p["occurrence"]))
        elif event.type == "meeting.cancelled":
            facts.append(_notice(meeting, "meeting_notice.cancelled", invitees, occurrence=None))
        elif event.type in ("meeting.signed_up", "meeting.sign_up_cancelled"):  # the note stays behind
            facts.append((stream_name("meeting_notice", meeting.id), NewEvent(
                event.type.replace("meeting.", "meeting_notice.", 1),
                {"meeting_id": str(meeting.id), "occurrence": p["occurrence"], "peer_id": str(p["peer_id"])})))
        elif event.type == "meeting.held":
            occurrence = meeting.occurrences[p["occurrence"]]
            facts += [_attended(meeting, occurrence, peer) for peer in occurrence.present()]
            facts.append(_report(meeting, occurrence, kind_of))
        elif event.type == "meeting.attendance_recorded":
            occurrence = meeting.occurrences[p["occurrence"]]
            was_present = before.occurrences[p["occurrence"]].attendance.get(str(p["peer_id"])) == "present"
            if p["status"] == "present" and not was_present:
                facts.append(_attended(meeting, occurrence, p["peer_id"]))
            elif p["status"] != "present" and was_present:
                facts.append(_withdrawn(meeting, occurrence, p["peer_id"]))
            facts.append(_report(meeting, occurrence, kind_of))  # the latest report of an occurrence counts
    return facts


def resource_facts(resource, new_events) -> list[tuple[str, NewEvent]]:
    return [(stream_name("national_resource", resource.id), NewEvent("national_resource.offered", {
        "url": resource.url, "theme": resource.theme, "tags": resource.tags, "offered_on": e.payload["offered_on"]}))
        for e in new_events if e.type == "resource.offered_nationally"]
