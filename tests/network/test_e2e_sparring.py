"""The done-criterion of issue 11's local part, end to end through HTTP, both relays and the broker:
a network with a paid and a volunteer peer (registered in roles; network learns of them through the
broker) holds a monthly sparring meeting with a seed-001 theme; the attendance reaches roles as a
volunteer activity of its length and counts toward the volunteer's statement eligibility and hours. What leaves the instance
(`national.events`) is counts and enumerations, nothing about a person."""
from __future__ import annotations

import json

from tests.support.http import ok
from tests.support.instance import wait_until
from tests.support.national import drain, national_queue

AGREEMENT = {"project": "Parkvænget", "name": "Sofie Frivillig", "address": "Stationsvej 3", "postcode": "2840",
             "city": "Holte", "phone": "+45 20 30 40 50", "email": "sofie@example.dk", "cpr": "010190-1234",
             "start_date": "2020-01-06", "criminal_record_check": "requested"}
NOTE = "Jeg har brug for en pause efter en time"


def activities(network, agreement_id) -> tuple[int, int]:
    """The volunteer's activities that count toward the statement, and their minutes (hours)."""
    answer = ok(network.as_coordinator("GET", f"/volunteer-agreements/{agreement_id}/eligibility?as_of=2020-03-01",
                                       service="roles"))
    return answer["activities"], answer["activity_minutes"]


def test_a_monthly_sparring_meeting_counts_toward_a_volunteers_statement(network):
    national = national_queue(network.amqp_uri)
    paid = network.register_peer("paid", "Peer Medarbejder")
    volunteer = network.register_peer("volunteer", "Sofie Frivillig")
    agreement = ok(network.as_coordinator("POST", "/volunteer-agreements", service="roles", json={
        **AGREEMENT, "volunteer_id": volunteer, "coordinator_id": network.coordinator}), 201)
    network.wait_known(paid, volunteer)

    created = ok(network.as_coordinator("POST", "/networks", json={
        "name": "Peer-netværk Parkvænget", "purpose": "Sparring og vidensdeling mellem lønnede og frivillige peers",
        "kind": "workplace", "facilitator_peer_ids": [paid]}), 201)
    joined = ok(network.as_peer(volunteer, "POST", f"/networks/{created['id']}/members", json={}), 201)
    assert (joined["paid_members"], joined["volunteer_members"]) == (1, 1)
    members = ok(network.as_peer(volunteer, "GET", f"/networks/{created['id']}/members"))
    assert {m["peer_id"]: m["facilitator"] for m in members} == {paid: True, volunteer: False}

    meeting = ok(network.as_peer(paid, "POST", "/meetings", json={
        "kind": "sparring_meeting", "title": "Månedligt sparringsmøde", "place": "Udviklingsteamet",
        "network_id": created["id"], "facilitator_peer_ids": [paid],
        "schedule": {"frequency": "monthly", "monthly_by": "weekday_of_month", "count": 3,
                     "starts_at": "2020-02-06T10:00:00+01:00", "duration_minutes": 90}}), 201)
    first = meeting["occurrences"][0]["occurrence"]
    assert [o["occurrence"] for o in meeting["occurrences"]] == ["20200206T090000Z", "20200305T090000Z",
                                                                 "20200402T080000Z"]
    path = f"/meetings/{meeting['id']}/occurrences/{first}"
    refused = network.as_peer(paid, "PUT", path + "/agenda", json={"theme": "practice_in_focus", "agenda": []})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "theme"
    ok(network.as_peer(paid, "PUT", path + "/agenda", json={
        "theme": "relations_and_boundaries", "agenda": [{"title": "Runde: hvor står jeg?", "minutes": 20},
                                                        {"title": "Relationer og grænsesætning", "minutes": 60}]}))
    signed = ok(network.as_peer(volunteer, "POST", path + "/sign-ups", json={"note": NOTE}), 201)
    assert signed["sign_ups"][0]["note"] == NOTE  # their own note
    seen_by_facilitator = ok(network.as_peer(paid, "GET", path))
    assert seen_by_facilitator["sign_ups"][0]["note"] == NOTE
    with network.network_db() as conn:  # sealed where it is stored
        stored = conn.execute("SELECT note FROM meeting_sign_ups").fetchone()["note"]
    assert stored.startswith("pii:") and NOTE not in stored

    held = ok(network.as_peer(paid, "POST", path + "/held", json={"attendance": [
        {"peer_id": paid, "status": "present"}, {"peer_id": volunteer, "status": "present"}]}))
    assert held["attended"] == 2 and held["duration_minutes"] == 90

    wait_until(lambda: activities(network, agreement["id"]) == (1, 90), timeout=30,
               message="roles counts the volunteer's sparring meeting")

    # A corrected attendance withdraws the activity in roles too.
    ok(network.as_peer(paid, "PUT", f"{path}/attendance/{volunteer}", json={"status": "absent"}))
    wait_until(lambda: activities(network, agreement["id"]) == (0, 0), timeout=30,
               message="the withdrawal reaches roles")

    calendar = network.as_peer(volunteer, "GET", f"/calendars/peers/{volunteer}.ics")
    assert calendar.status_code == 200 and calendar.headers["Content-Type"].startswith("text/calendar")
    assert calendar.text.count("BEGIN:VEVENT") == 3 and "Relationer og grænsesætning" in calendar.text
    assert NOTE not in calendar.text

    def reported():
        reported.bodies += drain(network.amqp_uri, national)
        return {"network_size.reported", "meeting_report.held"} <= {b["type"] for b in reported.bodies}
    reported.bodies = []
    wait_until(reported, timeout=30, message="national facts on national.events")
    text = json.dumps(reported.bodies)
    for personal in (paid, volunteer, NOTE, "Sofie", "Peer Medarbejder", network.coordinator):
        assert personal not in text
    last = [b["payload"] for b in reported.bodies if b["type"] == "meeting_report.held"][-1]
    assert (last["meeting_kind"], last["theme"], last["attended_paid"], last["attended_volunteer"]) == (
        "sparring_meeting", "relations_and_boundaries", 1, 0)
