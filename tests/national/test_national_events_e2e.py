"""National events end to end (issue 11 item 4): two region instances and the national instance on the `topology`
fixture (each its own RabbitMQ node and databases, linked by deploy/multi-region's shovels); real roles and
network services and relays at the regions, the national service and its relay at the national instance.

What it guards: a meetup created at the national instance is announced in both regions (national.broadcast);
peers of both sign up concurrently, more than the capacity; the national instance books exactly the capacity
(never more: the event's stream is the lock) and waitlists the rest in order; each answer reaches only the
registrant's region (national.addressed) and shows on the peer's sign-up; a cancellation promotes the first on
the waitlist, in whichever region they are; the summary by region and kind equals the regions' own sign-ups
(before suppression) and is suppressed where small; no name or id of a peer reaches the national side (tables,
log, broker messages, answers).
"""
from __future__ import annotations

import json
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from runtime import db
from tests.support.broker_node import connect, drain_messages, listen
from tests.support.instance import Instance, wait_until
from tests.support.leaks import leaks
from tests.support.network_instance import NetworkInstance
from tests.support.peer_admin import peer_admin

REGION, OTHER = "region-1084", "region-1085"
CAPACITY = 12
PEERS = {REGION: {"paid": 5, "volunteer": 3}, OTHER: {"paid": 3, "volunteer": 5}}  # 16 sign-ups for 12 places
MEETUP = {"title": "Peertræf: Din praksis i fokus", "starts_at": "2027-05-11T08:00:00+00:00",
          "ends_at": "2027-05-11T14:00:00+00:00", "place": "Peer-Partnerskabet, København", "capacity": CAPACITY,
          "themes": ["practice_in_focus"],
          "programme": [{"starts_at": "2027-05-11T08:00:00+00:00", "title": "Velkomst"},
                        {"starts_at": "2027-05-11T09:00:00+00:00", "title": "Workshops: din praksis i fokus"}]}


@pytest.fixture
def instances(topology, tmp_path):
    created = {r: NetworkInstance(r, ("roles", "network"), tmp_path, broker=topology[r]) for r in (REGION, OTHER)}
    created["national"] = Instance("national", ("national",), tmp_path, broker=topology["national"])
    for instance in created.values():
        instance.create()
    yield created
    for instance in created.values():
        instance.destroy()


def sign_ups(region: NetworkInstance, event_id: str) -> dict[str, dict]:
    answer = region.as_coordinator("GET", f"/national-events/{event_id}/sign-ups")
    assert answer.status_code == 200, answer.text
    return {s["peer_id"]: s for s in answer.json()}


def test_meetup_announced_signed_up_concurrently_from_two_regions_without_double_booking(topology, instances):
    regions = {r: instances[r] for r in (REGION, OTHER)}
    national = instances["national"]
    spy = listen(topology["national"], "national.inbound")
    for region in regions.values():
        region.coordinator = str(uuid.uuid4())
        for service in ("roles", "network"):
            region.start_service(service, wait=False)
            region.start_relay(service)
    national.start_service("national")
    national.start_relay("national")

    peers: dict[str, dict[str, str]] = {}  # region -> peer id -> kind
    names = []
    for r, region in regions.items():
        region.wait_ready("roles")
        region.wait_ready("network")
        peers[r] = {}
        for kind, n in PEERS[r].items():
            for i in range(n):
                name = f"Peer {kind} {i} {r} Testesen"
                names.append(name)
                peers[r][region.register_peer(kind, name)] = kind
        region.wait_known(*peers[r])

    coordinator = national.token("national_coordinator")
    created = national.call("POST", "national", "/national/events", json=MEETUP, token=coordinator)
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    for r, region in regions.items():  # announced in both regions
        wait_until(lambda: region.as_coordinator("GET", f"/national-events/{event_id}").status_code == 200, 60, 0.3,
                   f"the meetup announced at {r}")
        listed = region.as_peer(next(iter(peers[r])), "GET", "/national-events").json()
        assert [e["title"] for e in listed] == [MEETUP["title"]]

    # Every peer of both regions signs up at once, each through their own instance and token.
    def sign_up(args):
        r, peer_id = args
        return regions[r].as_peer(peer_id, "POST", f"/national-events/{event_id}/sign-ups", json={})
    everyone = [(r, p) for r in regions for p in peers[r]]
    with ThreadPoolExecutor(len(everyone)) as pool:
        answers = list(pool.map(sign_up, everyone))
    assert [a.status_code for a in answers] == [201] * len(everyone), [a.text for a in answers if a.status_code != 201]
    again = regions[REGION].as_peer(everyone[0][1], "POST", f"/national-events/{event_id}/sign-ups", json={})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "peer_id"

    def answered():
        return all(s["status"] in ("accepted", "waitlisted") for r in regions
                   for s in sign_ups(regions[r], event_id).values()) and sum(
            len(sign_ups(regions[r], event_id)) for r in regions) == len(everyone)
    wait_until(answered, 90, 0.5, "every sign-up answered by the national instance")
    statuses = {r: sign_ups(regions[r], event_id) for r in regions}
    accepted = [(r, p) for r in regions for p, s in statuses[r].items() if s["status"] == "accepted"]
    waitlisted = sorted(((s["position"], r, p) for r in regions for p, s in statuses[r].items()
                         if s["status"] == "waitlisted"))
    assert len(accepted) == CAPACITY, "exactly the capacity booked, across both regions"
    assert [w[0] for w in waitlisted] == list(range(1, len(everyone) - CAPACITY + 1)), "one waitlist, in order"
    detail = national.call("GET", "national", f"/national/events/{event_id}", token=coordinator).json()
    assert (detail["accepted"], detail["waitlisted"]) == (CAPACITY, len(everyone) - CAPACITY)

    # A peer with a place withdraws: the first on the waitlist is promoted, in whichever region they are.
    leaving_region, leaving = accepted[0]
    withdrawn = regions[leaving_region].as_peer(leaving, "DELETE", f"/national-events/{event_id}/sign-ups/{leaving}")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn", withdrawn.text
    _, first_region, first = waitlisted[0]
    wait_until(lambda: sign_ups(regions[first_region], event_id)[first]["status"] == "accepted", 60, 0.5,
               "the first on the waitlist promoted in their own region")
    wait_until(lambda: sign_ups(regions[leaving_region], event_id)[leaving]["status"] == "cancelled", 60, 0.5,
               "the cancellation confirmed")
    other = [p for r, p in accepted[1:3]]
    for r, p in accepted[1:3]:  # attendance recorded by the region's coordinator
        recorded = regions[r].as_coordinator("POST", f"/national-events/{event_id}/sign-ups/{p}/attendance")
        assert recorded.status_code == 200 and recorded.json()["attended"], recorded.text

    # The summary by region and kind: the regions' own sign-ups, suppressed where small.
    def region_counts():
        counts = Counter()
        for r, region in regions.items():
            for p, s in sign_ups(region, event_id).items():
                if s["status"] == "accepted":
                    counts[("registered", r, peers[r][p])] += 1
                    if s["attended"]:
                        counts[("attended", r, peers[r][p])] += 1
                elif s["status"] == "waitlisted":
                    counts[("waitlisted", r, peers[r][p])] += 1
        return counts

    def national_counts():
        with db.connect(national.database_url("national")) as conn:
            rows = conn.execute("SELECT region, peer_kind, status, attended FROM national_event_registrations "
                                "WHERE national_event_id = %s", (event_id,)).fetchall()
        counts = Counter()
        for row in rows:
            if row["status"] == "accepted":
                counts[("registered", row["region"], row["peer_kind"])] += 1
                if row["attended"]:
                    counts[("attended", row["region"], row["peer_kind"])] += 1
            elif row["status"] == "waitlisted":
                counts[("waitlisted", row["region"], row["peer_kind"])] += 1
        return counts
    wait_until(lambda: national_counts() == region_counts() and national_counts()[("attended", accepted[1][0],
               peers[accepted[1][0]][accepted[1][1]])] >= 1, 60, 0.5, "the national summary = the regions' sign-ups")
    assert other
    summary = national.call("GET", "national", f"/national/events/{event_id}/summary", token=coordinator)
    assert summary.status_code == 200, summary.text
    measures = {m["measure"]: m for m in summary.json()["measures"]}
    assert measures["registered"]["total"] == {"value": CAPACITY, "suppressed": False}
    expected = region_counts()
    for measure in measures.values():
        for row in measure["regions"]:
            for cell in row["kinds"]:
                value = expected[(measure["measure"], row["region"], cell["peer_kind"])]
                assert cell["suppressed"] == (0 < value < 5) or cell["suppressed"], cell  # N8, N9 may add more
                assert cell["value"] in (value, None)
                if 0 < value < 5:
                    assert cell["value"] is None
    assert national.call("GET", "national", f"/national/events/{event_id}/summary",
                         roles=("coordinator",)).status_code == 403
    assert regions[REGION].as_coordinator("GET", f"/national-events/{uuid.uuid4()}").status_code == 404

    # Rebuilt from their own stores: the same registrations nationally, the same sign-ups in each region.
    before = {r: sign_ups(regions[r], event_id) for r in regions}
    counted = national_counts()
    peer_admin(national, "rebuild", "national")
    for region in regions.values():
        peer_admin(region, "rebuild", "network")
    assert national_counts() == counted
    assert {r: sign_ups(regions[r], event_id) for r in regions} == before

    # No name or id of a peer anywhere at the national side.
    values = (*names, *[p for r in peers for p in peers[r]])
    with db.connect(national.database_url("national")) as conn:
        tables = json.dumps([conn.execute(f"SELECT * FROM {t}").fetchall() for t in (
            "events", "picture_cells", "inbox_streams", "inbox_parked", "national_events",
            "national_event_registrations")], default=str)
    received = [body.decode(errors="replace") for _, body in drain_messages(topology["national"], spy)]
    assert len(received) >= len(everyone) + 1, "the spy saw the sign-ups and the withdrawal"
    for where, text in (("log", national.processes["national"].log()), ("relay log",
                        national.processes["national-relay"].log()), ("tables", tables),
                        ("broker", "\n".join(received)), ("answers", summary.text + json.dumps(detail))):
        assert leaks(text, values) == [], where
    with connect(topology["national"]) as conn:
        conn.channel().queue_delete(spy)
