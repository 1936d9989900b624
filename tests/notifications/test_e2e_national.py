"""The national rules through the real path: the national instance and a region on the `topology` fixture
(each its own RabbitMQ node, linked by deploy/multi-region's shovels), the national service and its relay
there; roles, courses, network and notifications with their relays at the region, and a real SMTP server.

A national coordinator announces a meetup (capacity 1) and publishes a competence module: the region's
newsletter subscriber is e-mailed both (network and courses keep what the downlink brought). Two peers
sign up: the first gets a place, the second the waitlist; the first withdraws: cancelled, and the second
is promoted. Each answer reaches only its registrant (the national level knows a pseudonym only)."""
from __future__ import annotations

import uuid

import pytest

from services.notifications.rules import BY_KEY
from tests.notifications.smtp import SmtpServer
from tests.support.http import ok
from tests.support.instance import Instance, wait_until
from tests.support.network_instance import NetworkInstance

REGION = "region-1084"
SERVICES = ("roles", "courses", "network", "notifications")
MEETUP = {"title": "Peertræf: Din praksis i fokus", "starts_at": "2027-05-11T08:00:00+00:00",
          "ends_at": "2027-05-11T14:00:00+00:00", "place": "Peer-Partnerskabet, København", "capacity": 1,
          "themes": ["practice_in_focus"], "programme": []}
MODULE = {"title": "Fælles peer-uddannelse", "description": "Den fælles uddannelse peers efterspurgte (seed 004)",
          "learning_goals": ["Recovery og CHIME"], "kind": "peer_education", "hours": 37.5}


pytestmark = pytest.mark.skipif(
    any(BY_KEY[k].awaiting_contract for k in ("national.event_announced", "national.registration_answered",
                                              "national.competence_module_published")),
    reason="the national events' and the competence catalogue's contracts are not merged yet")


@pytest.fixture
def instances(topology, tmp_path):
    smtp = SmtpServer(tmp_path)
    region = NetworkInstance(instance_id=REGION, services=SERVICES, workdir=tmp_path, broker=topology[REGION],
                             environment={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
                                          "NOTIFICATIONS_INTERVAL_SECONDS": "0.3"})
    region.smtp, region.coordinator = smtp, str(uuid.uuid4())
    national = Instance(instance_id="national", services=("national",), workdir=tmp_path, broker=topology["national"])
    for instance in (region, national):
        instance.create()
    try:
        yield region, national
    finally:
        for instance in (region, national):
            instance.destroy()
        smtp.stop()


def test_national_event_answers_and_competence_module_reach_the_regions_mailboxes(instances):
    region, national = instances
    for service in SERVICES:
        region.start_service(service, wait=False)
        if service != "notifications":
            region.start_relay(service)
    national.start_service("national")
    national.start_relay("national")
    for service in SERVICES:
        region.wait_ready(service)

    subscriber, first, second = (region.register_peer("paid", "Navn Efternavn") for _ in range(3))
    addresses = {subscriber: "nyhedsbrev@example.dk", first: "foerste@example.dk", second: "anden@example.dk"}
    for peer, address in addresses.items():
        ok(region.as_peer(peer, "PUT", f"/persons/{peer}/contact", service="roles", json={"email": address}))
    ok(region.as_peer(subscriber, "PUT", "/preferences", service="notifications", json={"newsletter": True}))
    region.wait_known(first, second)

    coordinator = national.token("national_coordinator")
    event_id = ok(national.call("POST", "national", "/national/events", json=MEETUP, token=coordinator), 201)["id"]
    ok(national.call("POST", "national", "/national/competence-modules", json=MODULE, token=coordinator), 201)

    def subjects(address):
        return sorted(m["Subject"] for m in region.smtp.messages(to=address))

    wait_until(lambda: subjects("nyhedsbrev@example.dk") == [
        "Nationalt arrangement: Peertræf: Din praksis i fokus", "Nyt kompetencemodul: Fælles peer-uddannelse"],
        timeout=120, interval=0.5, message="the subscriber told of the meetup and the module")
    assert subjects("foerste@example.dk") == []  # not subscribed to the newsletter

    ok(region.as_peer(first, "POST", f"/national-events/{event_id}/sign-ups", json={}), 201)
    wait_until(lambda: subjects("foerste@example.dk") == ["Du har fået en plads: Peertræf: Din praksis i fokus"],
               timeout=90, interval=0.5, message="the first registrant accepted")
    ok(region.as_peer(second, "POST", f"/national-events/{event_id}/sign-ups", json={}), 201)
    wait_until(lambda: subjects("anden@example.dk") == ["Du er på venteliste: Peertræf: Din praksis i fokus"],
               timeout=90, interval=0.5, message="the second registrant waitlisted")
    [waitlisted] = region.smtp.messages(to="anden@example.dk")
    assert "nummer 1 på ventelisten" in waitlisted.get_body().get_content()

    ok(region.as_peer(first, "DELETE", f"/national-events/{event_id}/sign-ups/{first}"))
    wait_until(lambda: subjects("anden@example.dk") == [
        "Du er på venteliste: Peertræf: Din praksis i fokus",
        "Du har fået en plads fra ventelisten: Peertræf: Din praksis i fokus"], timeout=90, interval=0.5,
        message="the second registrant promoted")
    wait_until(lambda: subjects("foerste@example.dk") == [
        "Din tilmelding er annulleret: Peertræf: Din praksis i fokus",
        "Du har fået en plads: Peertræf: Din praksis i fokus"], timeout=90, interval=0.5,
        message="the first registrant's cancellation confirmed")
    inbox = ok(region.as_peer(second, "GET", "/inbox", service="notifications"))
    assert sorted(m["rule"] for m in inbox) == ["national.registration_answered"] * 2
