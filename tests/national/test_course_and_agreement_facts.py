"""Courses held and active volunteer agreements in the national picture (services/national/facts/courses.py,
volunteer_agreements.py): what each fact counts, in which month; what the regions derive and share
(services/courses/domain/published.py, services/roles/domain/volunteer_agreement.py): counts, kinds and
dates only, in streams apart from the course's and the agreement's own."""
import uuid
from datetime import date, datetime, timezone

import pytest
from marshmallow import fields

import contracts
from runtime.eventstore import NewEvent, RecordedEvent
from services.national import facts
from services.national.facts.volunteer_agreements import months
from services.roles.domain.volunteer_agreement import VolunteerAgreement, term_facts
from tests.support.volunteer_agreement import COORDINATOR, SEED_FIELDS, VOLUNTEER

WHEN = datetime(2026, 5, 31, 23, tzinfo=timezone.utc)


def fact(event_type, payload, version=0, stream="x-region-1084:p2:abc"):
    return RecordedEvent(uuid.uuid4(), event_type, 1, stream, version, 1, 1, WHEN, {"instance_id": "region-1084"},
                         payload)


def held(kind, participants, closed_on="2026-03-17"):
    return fact("course_held.reported", {"course_type": "support_course" if kind == "individual" else "group_course",
                                         "course_kind": kind, "closed_on": closed_on, "participants": participants})


@pytest.mark.parametrize("kind", ["recovery_group", "recovery_school", "peer_education", "individual"])
def test_a_course_held_counts_itself_and_its_participants_by_kind_in_the_month_closed(kind):
    assert sorted(facts.increments(held(kind, 7))) == [(f"course_participants_{kind}", date(2026, 3, 1), 7),
                                                       (f"courses_held_{kind}", date(2026, 3, 1), 1)]
    assert facts.increments(held(kind, 0)) == [(f"courses_held_{kind}", date(2026, 3, 1), 1)]


def term(active_from, active_until, version=0):
    return fact("agreement_term.reported", {"active_from": active_from, "active_until": active_until}, version)


def test_an_agreement_counts_once_in_every_month_its_span_touches():
    assert facts.increments(term("2026-01-15", "2026-07-15")) == [
        ("volunteer_agreements_active", date(2026, m, 1), 1) for m in range(1, 8)]
    assert list(months(date(2026, 1, 1), date(2026, 7, 1))) == [date(2026, m, 1) for m in range(1, 7)], \
        "a span that stops on the 1st does not count that month"
    assert list(months(date(2026, 11, 20), date(2027, 2, 3))) == [date(2026, 11, 1), date(2026, 12, 1),
                                                                  date(2027, 1, 1), date(2027, 2, 1)]
    assert list(months(date(2026, 3, 2), date(2026, 3, 2))) == [], "ended the day it began: no span"


def test_a_renewal_or_an_end_replaces_the_span_reported_before():
    first, renewed = term("2026-01-15", "2026-07-15"), term("2026-01-15", "2027-01-15", 1)
    assert facts.replaces(renewed, [first]) == first
    assert facts.increments(renewed, first) == [("volunteer_agreements_active", date(2026, m, 1), 1)
                                                for m in range(8, 13)] + [("volunteer_agreements_active",
                                                                           date(2027, 1, 1), 1)]
    ended = term("2026-01-15", "2026-03-04", 2)
    assert facts.increments(ended, renewed) == [("volunteer_agreements_active", date(2026, m, 1), -1)
                                                for m in range(4, 13)] + [("volunteer_agreements_active",
                                                                           date(2027, 1, 1), -1)]


def agreement(**details) -> VolunteerAgreement:
    a = VolunteerAgreement(str(uuid.uuid4()))
    for event in VolunteerAgreement.draft({**SEED_FIELDS, **details}):
        a.apply(event.type, event.payload)
    return a


def decide(a: VolunteerAgreement, events: list[NewEvent]) -> list[NewEvent]:
    for event in events:
        a.apply(event.type, event.payload)
    return events


def test_the_roles_service_shares_the_span_at_activation_renewal_and_end_only():
    a = agreement(start_date="2026-01-05")
    assert term_facts(a, decide(a, a.sign("volunteer", VOLUNTEER, date(2026, 1, 5)))) == []
    [(stream, activated)] = term_facts(a, decide(a, a.sign("coordinator", COORDINATOR, date(2026, 1, 5))))
    assert stream == f"agreement_term-{a.id}" and activated.type == "agreement_term.reported"
    assert activated.payload == {"active_from": "2026-01-05", "active_until": "2026-07-05"}
    assert term_facts(a, decide(a, a.announce_pause(date(2026, 2, 1), date(2026, 2, 10)))) == []
    assert term_facts(a, decide(a, a.resume(date(2026, 3, 1)))) == []
    [(_, renewed)] = term_facts(a, decide(a, a.renew(date(2026, 6, 10))))
    assert renewed.payload == {"active_from": "2026-01-05", "active_until": "2027-01-05"}
    [(_, ended)] = term_facts(a, decide(a, a.end("volunteer", "volunteer_wish", date(2026, 9, 30))))
    assert ended.payload == {"active_from": "2026-01-05", "active_until": "2026-09-30"}
    for _, shared in ((stream, activated), (stream, renewed), (stream, ended)):
        contracts.validate_payload(shared.type, 1, shared.payload)


def test_an_agreement_ended_before_it_was_active_shares_nothing():
    a = agreement()
    assert term_facts(a, decide(a, a.end("organisation", "other", date(2026, 1, 2)))) == []


@pytest.mark.parametrize("event_type", ["course_held.reported", "agreement_term.reported"])
def test_the_shared_facts_hold_kinds_dates_and_counts_only(event_type):
    """No free text, no id, no pseudonym of a person: an enumeration, a date or a count (trust boundary)."""
    contract = contracts.contract(event_type, 1)
    assert contract.national and contracts.personal_fields(contract.schema) == []
    for name, field in contract.schema().fields.items():
        enumerated = isinstance(field, fields.String) and any(
            type(v).__name__ == "OneOf" for v in field.validators)
        assert enumerated or isinstance(field, (fields.Date, fields.Integer)), name
