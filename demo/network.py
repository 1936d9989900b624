"""The network service's part of the demo (seeds 000, 001, 004): a regional peer network run with
Peer-Netværket Danmark, with the Parkvænget paid peer facilitating and the three volunteers as members, and
the monthly sparring meeting of seed 001 (first Thursday, 10-11.30) with a seed-001 theme; the first
occurrence held, with attendance."""
from __future__ import annotations

import time
from datetime import datetime, time as clock, timedelta, timezone
from zoneinfo import ZoneInfo

from demo.client import DemoClient, DemoError, demo_id
from demo.roles import PAID_PEER_ID, VOLUNTEERS

DANISH_TIME = ZoneInfo("Europe/Copenhagen")
NETWORK = "Peer-netværk Hovedstaden (demo)"
SPARRING = "Månedligt sparringsmøde (demo)"
KNOWN_WITHIN = 60  # seconds: the peers roles registered reach the network service through the broker


def _first_thursday_before(months_ago: int) -> datetime:
    today = datetime.now(timezone.utc).astimezone(DANISH_TIME).date().replace(day=1)
    month = (today - timedelta(days=28 * months_ago)).replace(day=1)
    thursday = month + timedelta(days=(3 - month.weekday()) % 7)
    return datetime.combine(thursday, clock(10), DANISH_TIME)


def when_peers_are_known(call):
    """Runs `call` until the network service knows the peers (422 naming the peer until roles' event arrived)."""
    deadline = time.monotonic() + KNOWN_WITHIN
    while True:
        try:
            return call()
        except DemoError as exc:
            if " 422" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(1)


def regional_network(client: DemoClient, report=print) -> int:
    created = 0
    network = next((n for n in client.call("GET", "network", "/networks") if n["name"] == NETWORK), None)
    if network is None:
        network = when_peers_are_known(lambda: client.call("POST", "network", "/networks", json={
            "name": NETWORK, "kind": "regional", "facilitator_peer_ids": [PAID_PEER_ID],
            "purpose": "Et netværk for peers i Region Hovedstaden, drevet sammen med Peer-Netværket Danmark: "
                       "sparring, supervision på lige fod og videndeling på tværs af arbejdspladser (demo)"}))
        created += 1
    path = f"/networks/{network['id']}"
    members = {m["peer_id"] for m in client.call("GET", "network", f"{path}/members")}
    for volunteer in VOLUNTEERS:
        peer_id = demo_id(volunteer["key"])
        if peer_id not in members:
            when_peers_are_known(lambda: client.call("POST", "network", f"{path}/members", json={"peer_id": peer_id}))
            created += 1
    meeting = next((m for m in client.call("GET", "network", "/meetings")
                    if m["title"] == SPARRING and str(m.get("network_id")) == network["id"]), None)
    if meeting is None:
        meeting = client.call("POST", "network", "/meetings", json={
            "kind": "sparring_meeting", "title": SPARRING, "place": "Udviklingsteamet, Parkvænget (demo)",
            "network_id": network["id"], "facilitator_peer_ids": [PAID_PEER_ID],
            "schedule": {"frequency": "monthly", "monthly_by": "weekday_of_month", "count": 6,
                         "starts_at": _first_thursday_before(1).isoformat(), "duration_minutes": 90}})
        created += 1
    detail = client.call("GET", "network", f"/meetings/{meeting['id']}")
    first = detail["occurrences"][0]
    occurrence = f"/meetings/{meeting['id']}/occurrences/{first['occurrence']}"
    if first["theme"] is None:
        client.call("PUT", "network", f"{occurrence}/agenda", json={
            "theme": "relations_and_boundaries", "agenda": [{"title": "Runde: hvor står jeg? (demo)", "minutes": 20},
                                                            {"title": "Relationer og grænsesætning (demo)",
                                                             "minutes": 60}]})
        created += 1
    if first["status"] == "scheduled":
        client.call("POST", "network", f"{occurrence}/held", json={"attendance": [
            {"peer_id": PAID_PEER_ID, "status": "present"},
            *({"peer_id": demo_id(v["key"]), "status": "present" if v["state"] == "active" else "excused"}
              for v in VOLUNTEERS)]})
        created += 1
    return created
