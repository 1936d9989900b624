"""The network service through HTTP and the broker: exceptions to a weekly schedule become notices
for notifications; resources shared in a network and the one kind that may go national; a rebuild of
the read models gives the same rows; an erased peer is forgotten."""
from __future__ import annotations

import json
import uuid

from kombu import Connection, Exchange

from runtime import db, eventstore
from runtime.eventstore.projection import rebuild
from services.network import projections
from tests.support.http import ok
from tests.support.instance import wait_until
from tests.support.national import drain, national_queue

WEEKLY = {"frequency": "weekly", "starts_at": "2020-02-06T10:00:00+01:00", "duration_minutes": 120,
          "until": "2020-04-30"}


def setup_network(network):
    paid = network.register_peer("paid", "Peer Medarbejder")
    volunteer = network.register_peer("volunteer", "Frida Frivillig")
    network.wait_known(paid, volunteer)
    created = ok(network.as_coordinator("POST", "/networks", json={
        "name": "Peer-netværk Sjælland", "purpose": "Et netværk af peers på tværs af arbejdspladser",
        "kind": "regional", "facilitator_peer_ids": [paid]}), 201)
    ok(network.as_peer(volunteer, "POST", f"/networks/{created['id']}/members", json={}), 201)
    return paid, volunteer, created["id"]


def events_of(network, category):
    with db.connect(network.database_url("network")) as conn:
        return [e for e in eventstore.read_all(conn, eventstore.START, limit=10_000) if e.stream.startswith(category)]


def dump(conn) -> dict:
    return {t: conn.execute(f"SELECT to_jsonb(x) AS row FROM {t} x ORDER BY 1").fetchall()
            for t in projections.READ_MODEL_TABLES}


def test_weekly_development_meeting_with_exceptions_notices_and_rebuild(network):
    """Parkvænget's weekly development meeting (Thursdays 10-12), one moved and one cancelled; each
    change is a notice for notifications naming the invitees; a rebuild equals the live read model."""
    paid, volunteer, network_id = setup_network(network)
    meeting = ok(network.as_peer(paid, "POST", "/meetings", json={
        "kind": "development_meeting", "title": "Udviklingsmøde", "place": "Udviklingsteamet",
        "network_id": network_id, "facilitator_peer_ids": [paid], "schedule": WEEKLY}), 201)
    assert len(meeting["occurrences"]) == 13
    second, third = (o["occurrence"] for o in meeting["occurrences"][1:3])
    base = f"/meetings/{meeting['id']}/occurrences"
    refused = network.as_peer(volunteer, "POST", f"{base}/{second}/cancel", json={"reason": "holiday"})
    assert refused.status_code == 403  # a member, not an organiser
    moved = ok(network.as_peer(paid, "PUT", f"{base}/{second}/schedule", json={
        "starts_at": "2020-02-14T10:00:00+01:00", "ends_at": "2020-02-14T12:00:00+01:00", "reason": "clash"}))
    assert moved["starts_at"].startswith("2020-02-14T09:00")
    ok(network.as_peer(paid, "POST", f"{base}/{third}/cancel", json={"reason": "holiday"}))
    late = network.as_peer(volunteer, "POST", f"{base}/{third}/sign-ups", json={})
    assert late.status_code == 409 and late.json()["errors"][0]["field"] == "occurrence"

    notices = [(e.type, e.payload) for e in events_of(network, "meeting_notice-")]
    assert [t for t, _ in notices] == ["meeting_notice.scheduled", "meeting_notice.changed",
                                       "meeting_notice.cancelled"]
    assert all(sorted(p["invitee_peer_ids"]) == sorted([paid, volunteer]) for _, p in notices)

    calendar = network.as_peer(paid, "GET", f"/calendars/networks/{network_id}.ics").text
    assert calendar.count("BEGIN:VEVENT") == 13 and calendar.count("STATUS:CANCELLED") == 1
    assert "SEQUENCE:1" in calendar and "Udviklingsmøde" in calendar

    with db.connect(network.database_url("network")) as conn:
        live = dump(conn)
        rebuild(conn, projections.READ_MODEL_TABLES, projections.project)
        assert dump(conn) == live
        conn.rollback()


def test_resources_shared_in_the_network_and_offered_nationally(network):
    national = national_queue(network.amqp_uri)
    paid, volunteer, network_id = setup_network(network)
    text = ok(network.as_peer(volunteer, "POST", f"/networks/{network_id}/resources", json={
        "title": "Min erfaring med grænser", "kind": "text", "text": "Da Anne og jeg talte om grænser ...",
        "tags": ["boundaries"], "theme": "relations_and_boundaries"}), 201)
    link = ok(network.as_peer(paid, "POST", f"/networks/{network_id}/resources", json={
        "title": "Peer-støtte: viden og erfaringer", "kind": "link", "url": "https://www.socialstyrelsen.dk/peer-stotte",
        "tags": ["recovery", "research"], "theme": "peer_role"}), 201)
    bad = network.as_peer(paid, "POST", f"/networks/{network_id}/resources", json={"title": "x", "kind": "link"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"
    listed = ok(network.as_peer(volunteer, "GET", f"/networks/{network_id}/resources"))
    assert {r["id"] for r in listed} == {text["id"], link["id"]}

    refused = network.as_coordinator("POST", f"/resources/{text['id']}/national-offer", json={})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "kind"
    stranger = network.register_peer("volunteer", "Udenfor Netværket")
    network.wait_known(stranger)
    assert network.as_peer(stranger, "GET", f"/networks/{network_id}/resources").status_code == 403
    # Whoever shared a resource may withdraw it, though they do not facilitate the network.
    assert ok(network.as_peer(volunteer, "POST", f"/resources/{text['id']}/withdraw", json={}))["status"] == "withdrawn"
    offered = ok(network.as_coordinator("POST", f"/resources/{link['id']}/national-offer", json={}))
    assert offered["offered_on"] is not None

    def reported():
        reported.bodies += drain(network.amqp_uri, national)
        return "national_resource.offered" in {b["type"] for b in reported.bodies}
    reported.bodies = []
    wait_until(reported, timeout=30, message="the offered resource on national.events")
    resource = next(b for b in reported.bodies if b["type"] == "national_resource.offered")
    assert resource["payload"]["url"] == "https://www.socialstyrelsen.dk/peer-stotte"
    text_sent = json.dumps(reported.bodies)
    for private in ("Peer-støtte: viden", "Min erfaring", "Anne", paid, volunteer):
        assert private not in text_sent
    assert resource["stream"].startswith("national_resource-")  # the relay pseudonymises stream ids too


def test_an_erased_peer_is_forgotten_and_cannot_rejoin(network):
    paid, volunteer, network_id = setup_network(network)
    meeting = ok(network.as_peer(paid, "POST", "/meetings", json={
        "kind": "group_supervision", "title": "Supervision på lige fod", "place": "Mødelokalet",
        "network_id": network_id, "schedule": {**WEEKLY, "until": "2020-02-20"}}), 201)
    first = meeting["occurrences"][0]["occurrence"]
    ok(network.as_peer(volunteer, "POST", f"/meetings/{meeting['id']}/occurrences/{first}/sign-ups",
                       json={"note": "Jeg kommer lidt senere"}), 201)
    erased = network.call("POST", "roles", f"/persons/{volunteer}/erasure", roles=("admin",),
                          json={"basis": "data_subject_request"})
    assert erased.status_code in (200, 201), erased.text

    def forgotten():
        members = ok(network.as_peer(paid, "GET", f"/networks/{network_id}/members"))
        return [m["peer_id"] for m in members] == [paid]
    wait_until(forgotten, timeout=30, message="network forgets the erased peer")
    occurrence = ok(network.as_peer(paid, "GET", f"/meetings/{meeting['id']}/occurrences/{first}"))
    assert occurrence["sign_ups"] == []
    again = network.as_coordinator("POST", f"/networks/{network_id}/members", json={"peer_id": volunteer})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "peer_id"


def test_statistics_count_members_by_kind_meetings_held_and_attendance_per_network(network):
    """GET /statistics: per network its members by kind, occurrences held and peers present (a corrected
    attendance no longer counts); for staff, not for peers."""
    paid, volunteer, network_id = setup_network(network)
    meeting = ok(network.as_peer(paid, "POST", "/meetings", json={
        "kind": "network_meeting", "title": "Netværksmøde", "place": "Huset", "network_id": network_id,
        "facilitator_peer_ids": [paid], "schedule": {"frequency": "once", "starts_at": "2020-03-05T10:00:00+01:00",
                                                     "duration_minutes": 120}}), 201)
    path = f"/meetings/{meeting['id']}/occurrences/{meeting['occurrences'][0]['occurrence']}"
    ok(network.as_peer(paid, "POST", path + "/held", json={"attendance": [
        {"peer_id": paid, "status": "present"}, {"peer_id": volunteer, "status": "present"}]}))
    ok(network.as_peer(paid, "PUT", f"{path}/attendance/{volunteer}", json={"status": "absent"}))

    answer = network.call("GET", "network", "/statistics", roles=("leader",))
    assert answer.status_code == 200, answer.text
    ours = next(n for n in answer.json()["networks"] if n["network_id"] == network_id)
    assert {k: ours[k] for k in ("paid_members", "volunteer_members", "meetings_held", "attendance")} == {
        "paid_members": 1, "volunteer_members": 1, "meetings_held": 1, "attendance": 1}
    totals = answer.json()["totals"]
    assert totals["networks"] >= 1 and totals["attendance"] >= 1 and totals["meetings_held"] >= 1
    assert network.as_peer(paid, "GET", "/statistics").status_code == 403


def test_an_erased_peer_gives_back_their_place_at_a_national_event(network):
    """A national event announced on the instance's `national.broadcast` reaches the network service; a peer
    signs up (forwarded as a pseudonym on national.events); when the peer is erased, the sign-up is withdrawn
    nationally (the national instance promotes the next) and nothing of the peer stays here."""
    paid, volunteer, _ = setup_network(network)
    event_id, national = str(uuid.uuid4()), national_queue(network.amqp_uri)
    envelope = {"event_id": str(uuid.uuid4()), "type": "national_announcement.published", "schema_version": 1,
                "stream": f"national_announcement-{event_id}", "stream_version": 0, "global_position": 1,
                "occurred_at": "2027-01-04T09:00:00+00:00", "instance_id": "national", "source_service": "national",
                "actor": "instance", "correlation_id": str(uuid.uuid4()), "causation_id": None, "payload": {
                    "national_event_id": event_id, "title": "Peertræf (test)", "capacity": 55,
                    "starts_at": "2027-05-11T08:00:00+00:00", "ends_at": "2027-05-11T14:00:00+00:00",
                    "place": "København", "themes": ["practice_in_focus"], "programme": []}}
    with Connection(network.amqp_uri) as conn:
        conn.Producer().publish(envelope, exchange=Exchange("national.broadcast", type="topic", durable=True),
                                routing_key=envelope["type"], serializer="json", delivery_mode=2)
    wait_until(lambda: network.as_peer(volunteer, "GET", f"/national-events/{event_id}").status_code == 200, 30,
               message="the announcement reaches the network service")
    ok(network.as_peer(volunteer, "POST", f"/national-events/{event_id}/sign-ups", json={}), 201)
    erased = network.call("POST", "roles", f"/persons/{volunteer}/erasure", roles=("admin",),
                          json={"basis": "data_subject_request"})
    assert erased.status_code in (200, 201), erased.text

    def withdrawn_nationally():
        withdrawn_nationally.sent += drain(network.amqp_uri, national)
        return [b["type"] for b in withdrawn_nationally.sent if b["type"].startswith("national_sign_up.")] == [
            "national_sign_up.requested", "national_sign_up.withdrawn"]
    withdrawn_nationally.sent = []
    wait_until(withdrawn_nationally, 30, message="the erased peer's sign-up withdrawn at the national instance")
    assert ok(network.as_coordinator("GET", f"/national-events/{event_id}/sign-ups")) == []
    assert volunteer not in json.dumps(withdrawn_nationally.sent)
