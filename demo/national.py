"""The national meetup of the demo (seed 004: the yearly landsmøde for peers), with `--topology multi-region`.

At the national instance a national coordinator creates the meetup (`national_meetup_event`); it is announced to
every region. At each region (`regional_sign_ups`) ten invented peers of that region (five paid, five
volunteers: the demo's own four and six more) sign up through the network service; the national instance decides
each place and the region waits for the answers, so the national picture (`national_event_sign_ups` by region and
month) and the meetup's summary by region and kind are filled, above the suppression threshold, once the load
ends. Public HTTP APIs only, each step looking before it creates; every name carries "(demo)".
"""
from __future__ import annotations

import time
from datetime import datetime, time as clock, timedelta, timezone
from zoneinfo import ZoneInfo

from demo.client import DemoClient, DemoError, demo_id
from demo.network import when_peers_are_known
from demo.roles import PAID_PEER_ID, VOLUNTEERS

DANISH_TIME = ZoneInfo("Europe/Copenhagen")
MEETUP_TITLE = "Landsmøde for peers: Din praksis i fokus (demo)"
CAPACITY = 60
ANSWERED_WITHIN = 90  # seconds: the national instance's answers come back through the brokers' links
# The meetup's invented peers of each region besides the demo's own (one paid peer, three volunteers), so that
# every region has five of each kind: counts under five are suppressed nationally (docs/security.md N8).
EXTRA_PEERS = (("paid", "Anders"), ("paid", "Birgitte"), ("paid", "Camilla"), ("paid", "Dennis"),
               ("volunteer", "Emil"), ("volunteer", "Frida"))
SURNAMES = {"region-1081": "Nordjyde", "region-1082": "Midtjyde", "region-1083": "Syddansker",
            "region-1084": "Hovedstad", "region-1085": "Sjællænder"}


def _meetup_details() -> dict:
    day = datetime.now(timezone.utc).astimezone(DANISH_TIME).date() + timedelta(weeks=10)
    starts = datetime.combine(day, clock(10), DANISH_TIME)
    return {"title": MEETUP_TITLE, "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=6)).isoformat(),
            "place": "Peer-Partnerskabet, Odense (demo)", "capacity": CAPACITY, "themes": ["practice_in_focus"],
            "programme": [{"starts_at": starts.isoformat(), "title": "Velkomst og fælles morgenmad (demo)"},
                          {"starts_at": (starts + timedelta(hours=1)).isoformat(),
                           "title": "Workshops: din praksis i fokus (demo)"},
                          {"starts_at": (starts + timedelta(hours=4)).isoformat(),
                           "title": "Erfaringsudveksling på tværs af regioner (demo)"}]}


def national_meetup_event(client: DemoClient, report=print) -> int:
    """At the national instance: the meetup, created once by a national coordinator (announced to every region)."""
    coordinator = {"role": "national_coordinator", "subject": demo_id("national-coordinator")}
    if any(e["title"] == MEETUP_TITLE for e in client.call("GET", "national", "/national/events", **coordinator)):
        return 0
    client.call("POST", "national", "/national/events", json=_meetup_details(), **coordinator)
    return 1


def meetup_peers(instance_id: str) -> list[tuple[str, str, str | None]]:
    """(peer id, kind, name to register or None for the demo's own peers) of a region's meetup participants."""
    surname = SURNAMES.get(instance_id, instance_id)
    own = [(PAID_PEER_ID, "paid", None), *((demo_id(v["key"]), "volunteer", None) for v in VOLUNTEERS)]
    extra = [(demo_id(f"{instance_id}-meetup-{first.lower()}"), kind, f"{first} {surname} (demo)")
             for kind, first in EXTRA_PEERS]
    return own + extra


def _announced(client: DemoClient, wait: float) -> dict | None:
    deadline = time.monotonic() + wait
    while True:
        event = next((e for e in client.call("GET", "network", "/national-events") if e["title"] == MEETUP_TITLE),
                     None)
        if event is not None or time.monotonic() >= deadline:
            return event
        time.sleep(1)


def regional_sign_ups(client: DemoClient, report=print, wait: float = 0) -> int | None:
    """At a region: its meetup peers registered and signed up, waiting (bounded) for the national answers."""
    event = _announced(client, wait)
    if event is None:
        report("skipped: the national meetup (no national instance announced it here; bash deploy/up.sh "
               "--topology multi-region runs one)")
        return None
    created = 0
    peers = meetup_peers(client.instance_id)
    for peer_id, kind, name in peers:
        if name and client.call("GET", "roles", f"/peers/{peer_id}", missing_ok=True) is None:
            client.call("POST", "roles", "/peers", json={
                "peer_id": peer_id, "kind": kind, "name": name, "workplace": "Landsmødets deltagere (demo)",
                "title": "peer-medarbejder" if kind == "paid" else "frivillig peer"})
            created += 1
    sign_ups = f"/national-events/{event['id']}/sign-ups"
    signed = {s["peer_id"] for s in client.call("GET", "network", sign_ups)}
    for peer_id, _, _ in peers:
        if peer_id not in signed:
            when_peers_are_known(lambda: client.call("POST", "network", sign_ups, json={"peer_id": peer_id}))
            created += 1
    deadline = time.monotonic() + ANSWERED_WITHIN
    while any(s["status"] == "requested" for s in client.call("GET", "network", sign_ups)):
        if time.monotonic() > deadline:
            raise DemoError(f"the national instance did not answer the meetup's sign-ups within {ANSWERED_WITHIN}s")
        time.sleep(1)
    return created
