"""Statement (udtalelse) eligibility, seed 003: active at least half a year (pauses do not count),
at least 10 volunteer activities, and the peer education completed. Pure: the caller gives "now"."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.network import MEETING_KINDS
from services.roles.domain.volunteer_agreement import VolunteerAgreement, _d, half_a_year_from

MIN_ACTIVITIES = 10
# Volunteer activities: individual sessions and course sessions facilitated (contracts/courses.py kinds),
# and meetings attended: network meetings, group supervision, sparring and development meetings (seed 003:
# a volunteer attends volunteer meetings and (group) supervision; contracts/network.py kinds).
COUNTED_KINDS = ("conversation", "companionship", "accompaniment_activity", "accompaniment_meeting",
                 "group_session") + MEETING_KINDS


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    active_days: int
    required_days: int
    activities: int
    peer_education_completed: bool
    missing: tuple[dict, ...]

    def as_dict(self) -> dict:
        return {"eligible": self.eligible, "active_days": self.active_days, "required_days": self.required_days,
                "activities": self.activities, "required_activities": MIN_ACTIVITIES,
                "peer_education_completed": self.peer_education_completed, "missing": list(self.missing)}


def eligibility(agreement: VolunteerAgreement, activities: int, peer_education_completed: bool,
                as_of: date) -> Eligibility:
    active_days = agreement.active_days(as_of)
    start = _d(agreement.active_from) or as_of
    required_days = (half_a_year_from(start) - start).days
    missing = []
    if active_days < required_days:
        missing.append({"field": "active_days",
                        "reason": f"aktiv i {active_days} dage; mindst et halvt år ({required_days} dage) kræves"})
    if activities < MIN_ACTIVITIES:
        missing.append({"field": "activities",
                        "reason": f"{activities} frivillige aktiviteter; mindst {MIN_ACTIVITIES} kræves"})
    if not peer_education_completed:
        missing.append({"field": "peer_education", "reason": "peer-uddannelsen er ikke færdiggjort"})
    return Eligibility(not missing, active_days, required_days, activities, peer_education_completed, tuple(missing))
