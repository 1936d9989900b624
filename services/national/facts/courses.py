"""Courses held and their participants (courses: `course_held.reported`), by kind and the month closed.

A group course (recovery group, recovery-school course, peer education) counts when it closes, with its
participants enrolled at the close; an individual support course (one citizen) counts when it closes, as
one participant. Only the kind and a count cross: no title, facilitator or participant."""
from datetime import date

from contracts.courses import COURSE_KINDS
from services.national.facts import counts, measure, month_of

KINDS = (*COURSE_KINDS, "individual")
_NAMES = {"recovery_group": "recovery group courses", "recovery_school": "recovery-school courses",
          "peer_education": "peer-education courses", "individual": "individual support courses"}
HELD = {kind: measure(f"courses_held_{kind}", f"{_NAMES[kind]} held (counted in the month closed)")
        for kind in KINDS}
PARTICIPANTS = {kind: measure(f"course_participants_{kind}", f"participants of {_NAMES[kind]} held"
                              f"{' (one citizen each)' if kind == 'individual' else ' (enrolled at the close)'}")
                for kind in KINDS}


@counts("course_held.reported")
def _held(event):
    p = event.payload
    month = month_of(date.fromisoformat(p["closed_on"]))
    yield HELD[p["course_kind"]], month, 1
    if p["participants"]:
        yield PARTICIPANTS[p["course_kind"]], month, p["participants"]
