"""The `volunteer-<peer id>` stream: what the courses and network services reported of a volunteer,
as roles records it in its own store, so a rebuild counts exactly what the live run counted."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from runtime.eventstore import NewEvent, stream_name

CATEGORY = "volunteer"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def volunteer_fact(envelope: dict) -> tuple[str, NewEvent] | None:
    """The event roles records for a consumed fact (and its stream), or None for a fact it does not keep."""
    payload, source = envelope["payload"], envelope["event_id"]
    if envelope["type"] in ("peer_activity.session_held", "network_activity.attended"):
        new = NewEvent("volunteer.activity_counted", {
            "activity_id": payload["activity_id"], "kind": payload["kind"], "held_at": payload["held_at"],
            "duration_minutes": payload["duration_minutes"], "source_event_id": source})
    elif envelope["type"] in ("peer_activity.withdrawn", "network_activity.withdrawn"):
        new = NewEvent("volunteer.activity_withdrawn", {"activity_id": payload["activity_id"],
                                                        "source_event_id": source})
    elif envelope["type"] == "peer_education.completed" and payload.get("peer_id"):
        new = NewEvent("volunteer.peer_education_completed", {
            "course_id": payload["course_id"], "completed_on": payload["completed_on"],
            "source_event_id": source})
    else:
        return None
    return stream_name(CATEGORY, payload["peer_id"]), new


def fact_day(fact: dict) -> date:
    """The day a recorded fact happened, in Danish time: an activity's, or the education's completion."""
    if "held_at" in fact:
        return datetime.fromisoformat(str(fact["held_at"])).astimezone(COPENHAGEN).date()
    return date.fromisoformat(str(fact["completed_on"]))
