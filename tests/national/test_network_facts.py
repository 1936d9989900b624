"""Networks and meetings in the national picture (services/national/facts/network.py): the latest report of a
network's size, and of a meeting occurrence's attendance, counts; an earlier report is taken back."""
import uuid
from datetime import date, datetime, timezone

from runtime.eventstore import RecordedEvent
from services.national import facts

STREAM = "meeting_report-region-1084:p2:abc"


def fact(event_type, version, stream=STREAM, **payload):
    return RecordedEvent(uuid.uuid4(), event_type, 1, stream, version, version + 1, 1,
                         datetime(2026, 3, 1, tzinfo=timezone.utc), {"instance_id": "region-1084"}, payload)


def size(version, paid, volunteer, reported_on="2026-03-04"):
    return fact("network_size.reported", version, "network_size-region-1084:p2:n1", network_kind="regional",
                paid_members=paid, volunteer_members=volunteer, reported_on=reported_on)


def report(version, occurrence, paid, volunteer, held_on="2026-03-10"):
    return fact("meeting_report.held", version, meeting_kind="network_meeting", theme=None, occurrence=occurrence,
                held_on=held_on, duration_minutes=90, attended_paid=paid, attended_volunteer=volunteer)


MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


def test_a_network_size_counts_the_network_and_its_members_by_kind():
    assert sorted(facts.increments(size(0, 4, 3))) == [
        ("network_members_paid", MARCH, 4), ("network_members_volunteer", MARCH, 3), ("networks", MARCH, 1)]


def test_a_later_size_replaces_the_earlier_one_also_in_another_month():
    first, same_month, next_month = size(0, 4, 3), size(1, 5, 3), size(2, 5, 1, reported_on="2026-04-02")
    assert facts.replaces(same_month, [first, same_month]) == first
    assert facts.increments(same_month, first) == [("network_members_paid", MARCH, 1)]
    assert sorted(facts.increments(next_month, same_month)) == sorted([
        ("network_members_paid", APRIL, 5), ("network_members_paid", MARCH, -5),
        ("network_members_volunteer", APRIL, 1), ("network_members_volunteer", MARCH, -3),
        ("networks", APRIL, 1), ("networks", MARCH, -1)])


def test_a_meeting_counts_once_per_occurrence_with_its_attendance_by_kind():
    held = report(0, "20260310T170000Z", 6, 2)
    assert sorted(facts.increments(held)) == [
        ("network_meeting_attendance_paid", MARCH, 6), ("network_meeting_attendance_volunteer", MARCH, 2),
        ("network_meetings_held", MARCH, 1)]


def test_a_corrected_attendance_replaces_its_occurrences_report_only():
    first, other, corrected = (report(0, "20260310T170000Z", 6, 2), report(1, "20260317T170000Z", 5, 5),
                               report(2, "20260310T170000Z", 5, 3))
    earlier = [first, other, corrected]
    assert facts.replaces(other, earlier) is None, "another occurrence is a meeting of its own"
    assert facts.replaces(corrected, earlier) == first
    assert sorted(facts.increments(corrected, first)) == [
        ("network_meeting_attendance_paid", MARCH, -1), ("network_meeting_attendance_volunteer", MARCH, 1)]


def test_facts_that_report_no_current_value_replace_nothing():
    completion = fact("peer_education.completion_reported", 1, "peer_education-region-1084:p2:x",
                      pseudonym="region-1084:p1:abc", completed_on="2026-03-01")
    assert facts.replaces(completion, [completion]) is None
    assert facts.increments(completion) == [("peer_education_completions", MARCH, 1)]


def test_a_public_resource_offered_counts_in_the_month_offered():
    offered = fact("national_resource.offered", 0, "national_resource-region-1084:p2:r1",
                   url="https://peernetvaerket.dk/viden", theme=None, tags=["network"], offered_on="2026-04-09")
    assert facts.increments(offered) == [("national_resources_offered", APRIL, 1)]
    assert facts.replaces(offered, [offered]) is None
