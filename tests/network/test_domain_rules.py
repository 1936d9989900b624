"""The network service's rules, in-process (no broker, no database): schedules in Danish time,
exceptions, sparring themes, sign-ups and attendance, and the facts they publish."""
from __future__ import annotations

import copy
import uuid
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from contracts.personal import national_violations
from contracts import network as contract
from runtime.domain import InvalidValue, RuleBroken
from services.network.domain import published
from services.network.domain.meeting import Meeting
from services.network.domain.network import Network
from services.network.domain.resource import Resource
from services.network.domain.schedule import expand
from tests.support.domain import decide

CPH = ZoneInfo("Europe/Copenhagen")
PAID, VOLUNTEER = str(uuid.uuid4()), str(uuid.uuid4())
KINDS = {PAID: "paid", VOLUNTEER: "volunteer"}


def weekly(count=None, until=None, start=datetime(2020, 2, 6, 10, 0, tzinfo=CPH)):
    return {"frequency": "weekly", "starts_at": start, "duration_minutes": 120, "interval": 1,
            "monthly_by": "day_of_month", "count": count, "until": until}


def test_weekly_thursday_10_to_12_stays_10_to_12_across_daylight_saving():
    """Parkvænget's development meeting: Thursdays 10-12 Danish time, Feb-Apr 2020 (DST began 29 March)."""
    occurrences = expand(weekly(until=date(2020, 4, 30)))
    assert len(occurrences) == 13
    local = [datetime.fromisoformat(o["starts_at"]).astimezone(CPH) for o in occurrences]
    assert {(d.weekday(), d.hour, d.minute) for d in local} == {(3, 10, 0)}
    assert occurrences[0]["occurrence"] == "20200206T090000Z"  # UTC+1 in winter
    assert occurrences[-1]["occurrence"] == "20200430T080000Z"  # UTC+2 in summer
    assert datetime.fromisoformat(occurrences[0]["ends_at"]).astimezone(CPH).hour == 12


def test_monthly_on_the_first_thursday():
    schedule = {**weekly(count=4), "frequency": "monthly", "monthly_by": "weekday_of_month"}
    days = [datetime.fromisoformat(o["starts_at"]).astimezone(CPH).date() for o in expand(schedule)]
    assert days == [date(2020, 2, 6), date(2020, 3, 5), date(2020, 4, 2), date(2020, 5, 7)]


def test_a_recurring_schedule_must_end_and_stay_bounded():
    with pytest.raises(InvalidValue) as ended:
        expand(weekly())
    assert ended.value.errors[0]["field"] == "schedule.count"
    with pytest.raises(InvalidValue):
        expand(weekly(until=date(2030, 1, 1)))  # more than 120 occurrences


def sparring(theme_rule=True):
    meeting = Meeting(uuid.uuid4())
    decide(meeting, Meeting.schedule("sparring_meeting", "Månedligt sparringsmøde", "Udviklingsteamet",
                                     {**weekly(count=3), "frequency": "monthly"}, network_id=uuid.uuid4(),
                                     facilitator_peer_ids=[PAID]))
    return meeting


def test_a_sparring_meeting_takes_a_seed_001_theme():
    meeting = sparring()
    first = next(iter(meeting.occurrences))
    with pytest.raises(InvalidValue) as refused:
        meeting.set_agenda(first, "practice_in_focus", [])
    assert refused.value.errors[0]["field"] == "theme"
    decide(meeting, meeting.set_agenda(first, "relations_and_boundaries", [{"title": "Runde", "minutes": 20}]))
    assert meeting.occurrences[first].theme == "relations_and_boundaries"


def test_exceptions_move_or_cancel_one_occurrence():
    meeting = sparring()
    first, second, third = meeting.occurrences
    moved = datetime(2020, 3, 12, 10, 0, tzinfo=CPH)
    decide(meeting, meeting.move(second, moved, moved.replace(hour=12), None, "clash"))
    decide(meeting, meeting.cancel_occurrence(third, "holiday"))
    assert meeting.occurrences[second].starts_at == moved.isoformat() and meeting.occurrences[second].key == second
    with pytest.raises(RuleBroken):
        meeting.sign_up(third, VOLUNTEER, None, True)


def test_sign_up_only_for_who_takes_part_and_once():
    meeting = sparring()
    first = next(iter(meeting.occurrences))
    with pytest.raises(RuleBroken):
        meeting.sign_up(first, VOLUNTEER, None, may_take_part=False)
    decide(meeting, meeting.sign_up(first, VOLUNTEER, "Jeg har brug for en pause undervejs", True))
    with pytest.raises(RuleBroken):
        meeting.sign_up(first, VOLUNTEER, None, True)


def held(meeting, attendance):
    first = next(iter(meeting.occurrences))
    before = copy.deepcopy(meeting)
    events = decide(meeting, meeting.hold(first, [{"peer_id": p, "status": s} for p, s in attendance.items()],
                                          lambda p: p in KINDS))
    return first, published.meeting_facts(before, meeting, events, set(KINDS), KINDS.get)


def test_attendance_is_one_activity_per_peer_and_occurrence_and_a_national_count():
    meeting = sparring()
    first, facts = held(meeting, {PAID: "present", VOLUNTEER: "present"})
    activities = [e for _, e in facts if e.type == "network_activity.attended"]
    assert {e.payload["peer_id"] for e in activities} == {PAID, VOLUNTEER}
    assert all(e.payload["duration_minutes"] == 120 and e.payload["kind"] == "sparring_meeting" for e in activities)
    report = [e.payload for _, e in facts if e.type == "meeting_report.held"]
    assert report[0]["attended_paid"] == 1 and report[0]["attended_volunteer"] == 1
    with pytest.raises(RuleBroken):
        meeting.hold(first, [], lambda p: True)  # held once


def test_a_corrected_attendance_withdraws_the_activity():
    meeting = sparring()
    first, facts = held(meeting, {PAID: "present", VOLUNTEER: "present"})
    before = copy.deepcopy(meeting)
    events = decide(meeting, meeting.record_attendance(first, VOLUNTEER, "absent", True))
    corrected = published.meeting_facts(before, meeting, events, set(KINDS), KINDS.get)
    withdrawn = [e for _, e in corrected if e.type == "network_activity.withdrawn"]
    assert withdrawn[0].payload["activity_id"] == str(published.activity_id(meeting.id, first, VOLUNTEER))
    assert [e.payload["attended_volunteer"] for _, e in corrected if e.type == "meeting_report.held"] == [0]


def test_attendance_needs_members_or_invitees():
    meeting = sparring()
    with pytest.raises(InvalidValue):
        meeting.hold(next(iter(meeting.occurrences)), [{"peer_id": str(uuid.uuid4()), "status": "present"}],
                     lambda p: p in KINDS)


def test_members_join_once_and_the_national_size_counts_kinds():
    network = Network(uuid.uuid4())
    decide(network, Network.create("Peer-netværk Sjælland", "Sparring og vidensdeling", "regional", {PAID: "paid"}))
    events = decide(network, network.join(VOLUNTEER, "volunteer"))
    with pytest.raises(RuleBroken):
        network.join(VOLUNTEER, "volunteer")
    (stream, size), = published.network_facts(network, events, date(2026, 12, 2))
    assert stream == f"network_size-{network.id}"
    assert (size.payload["paid_members"], size.payload["volunteer_members"]) == (1, 1)
    decide(network, network.leave(PAID, "own_wish"))
    assert not network.is_facilitator(PAID) and not network.is_member(PAID)


def test_only_links_to_public_pages_go_nationally():
    text = Resource(uuid.uuid4())
    decide(text, Resource.share(uuid.uuid4(), "Min historie", "text", None, "Anne fortalte om sin indlæggelse",
                                [], None, PAID))
    with pytest.raises(InvalidValue) as refused:
        text.offer_nationally(date(2026, 12, 2))
    assert refused.value.errors[0]["field"] == "kind"
    private = Resource(uuid.uuid4())
    decide(private, Resource.share(uuid.uuid4(), "Referat", "link", "https://drive.example.dk/anne?id=1", None, [],
                                   None, PAID))
    with pytest.raises(InvalidValue) as refused:
        private.offer_nationally(date(2026, 12, 2))
    assert refused.value.errors[0]["field"] == "url"
    public = Resource(uuid.uuid4())
    decide(public, Resource.share(uuid.uuid4(), "Peer-støtte", "link", "https://www.socialstyrelsen.dk/peer-stotte",
                                  None, ["recovery"], "peer_role", PAID))
    events = decide(public, public.offer_nationally(date(2026, 12, 2)))
    (_, offered), = published.resource_facts(public, events)
    assert offered.payload == {"url": "https://www.socialstyrelsen.dk/peer-stotte", "theme": "peer_role",
                               "tags": ["recovery"], "offered_on": "2026-12-02"}


@pytest.mark.parametrize("schema", [contract.NetworkSizeReported, contract.MeetingReportHeld,
                                    contract.NationalResourceOffered])
def test_national_contracts_hold_nothing_about_a_person(schema):
    assert national_violations(schema) == []
    assert "title" not in schema().fields and "text" not in schema().fields


def test_occurrence_keys_are_utc():
    assert expand({**weekly(count=1), "frequency": "once",
                   "starts_at": datetime(2023, 5, 11, 8, 0, tzinfo=timezone.utc)})[0]["occurrence"] == "20230511T080000Z"


def test_activities_counted_before_lengths_were_kept_read_as_without_length():
    """volunteer.activity_counted v2 carries the length (hours); a stored v1 event upcasts to none."""
    import contracts

    v1 = {"activity_id": str(uuid.uuid4()), "kind": "companionship", "held_at": "2025-01-20T10:00:00+00:00",
          "source_event_id": str(uuid.uuid4())}
    assert contracts.upcast("volunteer.activity_counted", 1, v1) == (2, {**v1, "duration_minutes": None})
