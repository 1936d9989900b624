"""The networks (network: `meeting_report.held`, `network_size.reported`, `national_resource.offered`).

- meetings held and their attendance by kind of peer, by the month held. A corrected attendance reports
  the occurrence again and the latest report counts (`latest_of` the occurrence: the earlier report's
  counts are taken back, in the month they were counted in);
- networks and their members by kind of peer: each network's latest size, in the month it was reported
  (the sum over months is the current size of every network);
- public resources offered to the national level, by the month offered."""
from datetime import date

from services.national.facts import counts, measure, month_of

MEETINGS = measure("network_meetings_held", "network meetings held (network, supervision, sparring, development)")
ATTENDED_PAID = measure("network_meeting_attendance_paid", "attendances of paid peers at network meetings")
ATTENDED_VOLUNTEER = measure("network_meeting_attendance_volunteer",
                             "attendances of volunteer peers at network meetings")
NETWORKS = measure("networks", "networks, each in the month of its latest reported size")
MEMBERS_PAID = measure("network_members_paid", "paid peers in networks (latest size of each network)")
MEMBERS_VOLUNTEER = measure("network_members_volunteer", "volunteer peers in networks (latest size of each network)")
RESOURCES = measure("national_resources_offered", "public resources networks offered to the national level")


@counts("meeting_report.held", latest_of=lambda payload: payload["occurrence"])
def _meeting(event):
    p = event.payload
    month = month_of(date.fromisoformat(p["held_on"]))
    yield MEETINGS, month, 1
    yield ATTENDED_PAID, month, p["attended_paid"]
    yield ATTENDED_VOLUNTEER, month, p["attended_volunteer"]


@counts("network_size.reported", latest_of=lambda payload: "size")  # one network per stream
def _size(event):
    p = event.payload
    month = month_of(date.fromisoformat(p["reported_on"]))
    yield NETWORKS, month, 1
    yield MEMBERS_PAID, month, p["paid_members"]
    yield MEMBERS_VOLUNTEER, month, p["volunteer_members"]


@counts("national_resource.offered")
def _resource(event):
    yield RESOURCES, month_of(date.fromisoformat(event.payload["offered_on"])), 1
