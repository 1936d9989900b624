"""National events' rules, in-process (no broker, no database): capacity, one waitlist in order, promotion on
cancellation, duplicates, attendance, the answers addressed to each registrant's instance; and a region's
sign-up (409 when active, what crosses is a pseudonym). Every event is validated against its contract."""
from __future__ import annotations

import uuid

import pytest

from runtime.domain import RuleBroken
from services.national.domain.national_event import NationalEvent, registration_id
from services.network.domain.national_sign_up import NationalSignUp, sign_up_id
from tests.support.domain import decide

DETAILS = {"title": "Peertræf", "starts_at": "2023-05-11T08:00:00+00:00", "ends_at": "2023-05-11T14:00:00+00:00",
           "place": "København", "capacity": 2, "themes": ["practice_in_focus"], "programme": []}


def who(region: str, n: int) -> str:
    return f"{region}:p2:" + chr(ord("a") + n) * 26


def meetup(capacity=2) -> NationalEvent:
    event = NationalEvent(uuid.uuid4())
    decide(event, NationalEvent.create({**DETAILS, "capacity": capacity}))
    return event


def register(event, region, n, kind="paid"):
    events = decide(event, event.register(who(region, n), region, kind))
    return events, event.answers(events)


def test_within_capacity_accepted_then_one_waitlist_in_order_of_arrival_across_regions():
    event = meetup(capacity=2)
    answers = []
    for region, n in (("region-1084", 0), ("region-1085", 1), ("region-1085", 2), ("region-1084", 3)):
        answers += register(event, region, n)[1]
    assert [(s.split("-", 1)[0], a.type) for s, a in answers] == [
        ("national_registration", "national_registration.accepted")] * 2 + [
        ("national_registration", "national_registration.waitlisted")] * 2
    assert [a.payload["position"] for _, a in answers[2:]] == [1, 2]
    assert [a.payload["addressee"] for _, a in answers] == ["region-1084", "region-1085", "region-1085", "region-1084"]
    assert len(event.accepted()) == 2 and [r.pseudonym for r in event.waitlist()] == [who("region-1085", 2),
                                                                                       who("region-1084", 3)]


def test_a_duplicate_registration_is_decided_once():
    event = meetup()
    register(event, "region-1084", 0)
    assert event.register(who("region-1084", 0), "region-1084", "paid") == []
    assert len(event.registrations) == 1


def test_cancelling_a_place_promotes_the_first_on_the_waitlist_and_answers_both():
    event = meetup(capacity=1)
    register(event, "region-1084", 0)
    register(event, "region-1085", 1)
    register(event, "region-1084", 2)
    events = decide(event, event.cancel(who("region-1084", 0)))
    answers = [(a.type, a.payload["addressee"], a.payload["pseudonym"]) for _, a in event.answers(events)]
    assert answers == [("national_registration.cancelled", "region-1084", who("region-1084", 0)),
                       ("national_registration.promoted", "region-1085", who("region-1085", 1))]
    assert [r.pseudonym for r in event.accepted()] == [who("region-1085", 1)]
    assert [r.pseudonym for r in event.waitlist()] == [who("region-1084", 2)]
    assert event.cancel(who("region-1084", 0)) == [], "cancelled once"


def test_cancelling_from_the_waitlist_promotes_nobody_and_a_new_registration_queues_last():
    event = meetup(capacity=1)
    for n in range(3):
        register(event, "region-1084", n)
    events = decide(event, event.cancel(who("region-1084", 1)))
    assert [e.type for e in events] == ["national_event.registration_cancelled"]
    _, answers = register(event, "region-1084", 1)  # signs up again: at the end of the waitlist
    assert answers[0][1].type == "national_registration.waitlisted" and answers[0][1].payload["position"] == 2


def test_attendance_only_for_a_place_and_once():
    event = meetup(capacity=1)
    register(event, "region-1084", 0)
    register(event, "region-1084", 1)
    assert event.attend(who("region-1084", 1)) == [], "waitlisted: did not have a place"
    decide(event, event.attend(who("region-1084", 0)))
    assert event.attend(who("region-1084", 0)) == []
    rid = str(registration_id(event.id, who("region-1084", 0)))
    assert event.registrations[rid].attended


def test_a_region_sign_up_sends_only_a_pseudonym_and_is_refused_twice():
    event_id, peer = uuid.uuid4(), uuid.uuid4()
    sign_up = NationalSignUp(sign_up_id(event_id, peer))
    events = decide(sign_up, NationalSignUp.sign_up(event_id, peer, "volunteer", who("region-1084", 0), None))
    crossing = [e for e in events if e.type == "national_sign_up.requested"]
    assert crossing and str(peer) not in str(crossing[0].payload)
    with pytest.raises(RuleBroken):
        NationalSignUp.sign_up(event_id, peer, "volunteer", who("region-1084", 0), sign_up.status)
    decide(sign_up, NationalSignUp.answer("national_registration.waitlisted", {
        "national_event_id": str(event_id), "position": 3}, peer))
    assert sign_up.status == "waitlisted"
    with pytest.raises(RuleBroken):
        sign_up.attend(event_id, who("region-1084", 0))
    decide(sign_up, sign_up.withdraw(event_id, peer, who("region-1084", 0)))
    assert sign_up.status == "withdrawn"
    with pytest.raises(RuleBroken):
        sign_up.withdraw(event_id, peer, who("region-1084", 0))
