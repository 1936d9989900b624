"""Rules of the peer aggregate: employment terms, secondments, who reads accommodation needs."""
import uuid
from datetime import date

import pytest

from runtime.domain import InvalidValue, RuleBroken
from services.roles.domain.peer import Peer
from tests.support.domain import decide, types

LEADER = str(uuid.uuid4())
PARKVAENGET_TIMES = [{"weekday": d, "starts": "10:00", "ends": "15:00"} for d in ("tue", "wed", "thu")]


def registered(kind="paid", title="peer-støttemedarbejder") -> Peer:
    peer = Peer(id=str(uuid.uuid4()))
    decide(peer, Peer.register({
        "kind": kind, "title": title, "name": "Peter Peer", "workplace": "Parkvænget", "leader_id": LEADER}))
    return peer


def test_parkvaenget_terms_tue_to_thu_10_to_15_with_a_15_minute_break():
    peer = registered()
    decide(peer, peer.set_terms(15, PARKVAENGET_TIMES, 15))
    assert peer.terms == {"weekly_hours": 15, "working_times": PARKVAENGET_TIMES, "break_minutes": 15}


def test_a_paid_position_under_12_hours_a_week_is_refused_with_the_reason():
    peer = registered()
    with pytest.raises(InvalidValue) as refused:
        peer.set_terms(11.5, PARKVAENGET_TIMES[:2], 15)
    assert refused.value.errors[0]["field"] == "weekly_hours"
    assert "12" in refused.value.errors[0]["reason"]


def test_a_volunteer_may_have_fewer_than_12_hours():
    peer = registered("volunteer", "frivillig peer")
    assert types(peer.set_terms(4, PARKVAENGET_TIMES[:1], 0)) == ["peer.terms_set"]


def test_working_times_end_after_they_start_and_name_each_day_once():
    peer = registered()
    with pytest.raises(InvalidValue) as refused:
        peer.set_terms(15, [{"weekday": "tue", "starts": "15:00", "ends": "10:00"},
                            {"weekday": "tue", "starts": "10:00", "ends": "12:00"}], 15)
    assert {e["field"] for e in refused.value.errors} == {"working_times[0].ends", "working_times[1].weekday"}


def test_unknown_titles_are_refused_by_the_contract():
    with pytest.raises(Exception):
        registered(title="konsulent")


def test_secondment_three_months_keeping_the_home_units_personnel_leader():
    peer = registered()
    decide(peer, peer.second("Hjemmeenheden", "Parkvænget", date(2020, 2, 1),
                                                 date(2020, 4, 30), LEADER))
    assert peer.secondments == [{"from_unit": "Hjemmeenheden", "to_unit": "Parkvænget", "starts_on": "2020-02-01",
                                 "ends_on": "2020-04-30", "personnel_leader_id": LEADER}]
    with pytest.raises(RuleBroken):
        peer.second("Hjemmeenheden", "Andetsteds", date(2020, 4, 1), date(2020, 5, 31), LEADER)
    with pytest.raises(InvalidValue):
        peer.second("Hjemmeenheden", "Andetsteds", date(2020, 6, 1), date(2020, 5, 31), LEADER)


def test_accommodation_needs_only_for_the_peer_their_leader_and_whom_the_peer_allowed():
    peer = registered()
    colleague = str(uuid.uuid4())
    decide(peer, peer.record_accommodation_needs(["Rolige og forudsigelige opgaver"]))
    assert peer.may_read_accommodation_needs(peer.id)
    assert peer.may_read_accommodation_needs(LEADER)
    assert not peer.may_read_accommodation_needs(colleague)
    decide(peer, peer.grant_accommodation_access(colleague))
    assert peer.may_read_accommodation_needs(colleague)
    decide(peer, peer.revoke_accommodation_access(colleague))
    assert not peer.may_read_accommodation_needs(colleague)


def test_accommodation_needs_and_the_name_are_sealed_in_the_contract():
    import contracts
    from contracts.personal import Personal

    assert isinstance(contracts.contract("peer.accommodation_needs_recorded", 1).schema().fields["needs"], Personal)
    assert isinstance(contracts.contract("peer.registered", 1).schema().fields["name"], Personal)
    with pytest.raises(contracts.ContractError):
        contracts.validate_payload("peer.accommodation_needs_recorded", 1, {"needs": ["plain text"]})


def test_frivillig_peer_is_a_volunteers_title():
    with pytest.raises(InvalidValue) as refused:
        registered(kind="paid", title="frivillig peer")
    assert refused.value.errors[0]["field"] == "title"
    assert registered(kind="volunteer", title="frivillig peer").kind == "volunteer"


def test_leader_mentor_and_function_description_can_change():
    peer = registered()
    mentor, description = str(uuid.uuid4()), str(uuid.uuid4())
    assert peer.change_assignment({"leader_id": LEADER}) == []
    decide(peer, peer.change_assignment({"mentor_id": mentor,
                                                             "function_description_id": description}))
    assert (peer.leader_id, peer.mentor_id, peer.function_description_id) == (LEADER, mentor, description)
