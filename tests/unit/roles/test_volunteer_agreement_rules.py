"""Rules of the volunteer agreement (seed 003) and of statement eligibility."""
import uuid
from datetime import date

import pytest

import contracts
from contracts.personal import Personal
from runtime.domain import InvalidValue, RuleBroken
from runtime.errors import InvalidInput
from services.roles.domain.eligibility import eligibility
from services.roles.domain.volunteer_agreement import VolunteerAgreement, add_months
from tests.support.domain import decide, types
from tests.support.volunteer_agreement import COORDINATOR, SEED_FIELDS, VOLUNTEER



def drafted(**changes) -> VolunteerAgreement:
    agreement = VolunteerAgreement(id=str(uuid.uuid4()))
    decide(agreement, VolunteerAgreement.draft({**SEED_FIELDS, **changes}))
    return agreement


def active(on=date(2025, 1, 6)) -> VolunteerAgreement:
    agreement = drafted()
    decide(agreement, agreement.sign("volunteer", VOLUNTEER, on))
    decide(agreement, agreement.sign("coordinator", COORDINATOR, on))
    return agreement


def test_personal_fields_of_the_agreement_are_sealed_and_the_cpr_number_validated():
    schema = contracts.contract("volunteer_agreement.drafted", 1).schema()
    assert all(isinstance(schema.fields[f], Personal) for f in ("name", "address", "phone", "email", "cpr"))
    with pytest.raises(InvalidInput) as refused:  # the vault validates a CPR number as it seals it
        drafted(cpr="320190-1234")
    assert refused.value.errors[0]["field"] == "cpr"


def test_active_only_when_both_signed():
    agreement = drafted()
    assert types(agreement.sign("volunteer", VOLUNTEER, date(2025, 1, 6))) == ["volunteer_agreement.signed"]
    decide(agreement, agreement.sign("volunteer", VOLUNTEER, date(2025, 1, 6)))
    assert agreement.status == "draft"
    with pytest.raises(RuleBroken):
        agreement.sign("volunteer", VOLUNTEER, date(2025, 1, 7))
    with pytest.raises(InvalidValue):
        agreement.sign("coordinator", str(uuid.uuid4()), date(2025, 1, 7))
    events = agreement.sign("coordinator", COORDINATOR, date(2025, 1, 8))
    assert types(events) == ["volunteer_agreement.signed", "volunteer_agreement.activated"]
    decide(agreement, events)
    assert (agreement.status, agreement.active_from, agreement.term_ends_on) == ("active", "2025-01-08", "2025-07-08")


@pytest.mark.parametrize("changes, field", [({"confidentiality_accepted": False}, "confidentiality_accepted"),
                                            ({"criminal_record_check": "requested"}, "criminal_record_check"),
                                            ({"criminal_record_check": "remarks"}, "criminal_record_check")])
def test_not_active_without_confidentiality_and_a_clean_criminal_record_check(changes, field):
    agreement = drafted(**changes)
    decide(agreement, agreement.sign("volunteer", VOLUNTEER, date(2025, 1, 6)))
    with pytest.raises(InvalidValue) as refused:
        agreement.sign("coordinator", COORDINATOR, date(2025, 1, 6))
    assert [e["field"] for e in refused.value.errors] == [field]


def test_half_a_year_at_a_time_and_renewal_due_30_days_ahead():
    agreement = active()
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert not agreement.renewal_due(date(2025, 6, 5))
    assert agreement.renewal_due(date(2025, 6, 6))
    with pytest.raises(RuleBroken):
        agreement.renew(date(2025, 6, 5))
    decide(agreement, agreement.renew(date(2025, 6, 20)))
    assert agreement.term_ends_on == "2026-01-06"
    assert not agreement.renewal_due(date(2025, 6, 20))


def test_pauses_are_announced_ahead_and_resumed_and_do_not_count_as_active():
    agreement = active()
    with pytest.raises(InvalidValue):
        agreement.announce_pause(date(2025, 3, 10), date(2025, 3, 1))
    decide(agreement, agreement.announce_pause(date(2025, 3, 1), date(2025, 3, 10)))
    assert agreement.status == "paused"
    with pytest.raises(RuleBroken):
        agreement.announce_pause(date(2025, 3, 11), date(2025, 3, 12))
    assert agreement.active_days(date(2025, 3, 20)) == (date(2025, 3, 10) - date(2025, 1, 6)).days
    decide(agreement, agreement.resume(date(2025, 3, 24)))
    assert agreement.status == "active"
    assert agreement.active_days(date(2025, 7, 6)) == 181 - 14


def test_ended_by_either_party_with_a_reason():
    agreement = active()
    with pytest.raises(Exception):
        decide(agreement, agreement.end("volunteer", "because", date(2025, 5, 1)))
    decide(agreement, agreement.end("organisation", "confidentiality_breach",
                                                             date(2025, 5, 1)))
    assert agreement.status == "ended"
    assert agreement.ended == {"ended_by": "organisation", "reason": "confidentiality_breach", "ended_on": "2025-05-01"}
    assert agreement.active_days(date(2026, 1, 1)) == (date(2025, 5, 1) - date(2025, 1, 6)).days
    with pytest.raises(RuleBroken):
        agreement.end("volunteer", "volunteer_wish", date(2025, 5, 2))


def test_statement_needs_half_a_year_active_10_activities_and_the_peer_education():
    agreement = active()
    assert eligibility(agreement, 10, True, date(2025, 7, 6)).eligible
    assert [m["field"] for m in eligibility(agreement, 10, True, date(2025, 7, 5)).missing] == ["active_days"]
    assert [m["field"] for m in eligibility(agreement, 9, True, date(2025, 8, 1)).missing] == ["activities"]
    assert [m["field"] for m in eligibility(agreement, 10, False, date(2025, 8, 1)).missing] == ["peer_education"]


def test_paused_days_do_not_count_towards_the_half_year():
    agreement = active()
    decide(agreement, agreement.announce_pause(date(2025, 3, 1), date(2025, 3, 10)))
    decide(agreement, agreement.resume(date(2025, 3, 24)))
    assert not eligibility(agreement, 10, True, date(2025, 7, 6)).eligible
    assert eligibility(agreement, 10, True, date(2025, 7, 20)).eligible


def test_renewal_due_is_raised_once_per_term_ahead_of_its_end():
    agreement = active()
    assert agreement.raise_renewal_due(date(2025, 6, 5)) == []
    events = agreement.raise_renewal_due(date(2025, 6, 6))
    assert types(events) == ["volunteer_agreement.renewal_due_raised"]
    assert events[0].payload["term_ends_on"] == "2025-07-06"
    decide(agreement, events)
    assert agreement.raise_renewal_due(date(2025, 6, 7)) == []
    decide(agreement, agreement.renew(date(2025, 6, 20)))
    assert agreement.raise_renewal_due(date(2025, 12, 6)) == []
    assert agreement.raise_renewal_due(date(2025, 12, 7)) != []


def test_the_statement_is_given_on_leaving_and_only_when_eligible():
    agreement = active()
    ok = eligibility(agreement, 10, True, date(2025, 8, 1))
    with pytest.raises(RuleBroken) as refused:
        agreement.issue_statement(date(2025, 8, 1), ok)
    assert refused.value.errors[0]["field"] == "status"
    decide(agreement, agreement.end("volunteer", "volunteer_wish", date(2025, 8, 1)))
    with pytest.raises(RuleBroken) as refused:
        agreement.issue_statement(date(2025, 8, 1), eligibility(agreement, 9, True, date(2025, 8, 1)))
    assert [e["field"] for e in refused.value.errors] == ["activities"]
    assert types(agreement.issue_statement(date(2025, 8, 1), ok)) == ["volunteer_agreement.statement_issued"]


def test_renewal_is_due_from_30_days_before_the_term_ends_for_a_running_agreement_only():
    """One rule, asked by the aggregate, the due-for-renewal list and the reminders alike."""
    from services.roles.domain.volunteer_agreement import renewal_due

    ends = "2025-07-06"
    assert not renewal_due("active", ends, date(2025, 6, 5))
    assert renewal_due("active", ends, date(2025, 6, 6)) and renewal_due("paused", date(2025, 7, 6), date(2025, 7, 1))
    assert not renewal_due("ended", ends, date(2025, 7, 1)) and not renewal_due("draft", None, date(2025, 7, 1))
