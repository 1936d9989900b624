"""The roles service's part of the demo: seed 001 (Parkvænget's paid peer and their function description)
and seed 003 (three volunteers of "Bro til hverdagslivet" whose agreements stand in different states)."""
from __future__ import annotations

from datetime import date, timedelta

from demo.client import COORDINATOR_ID, LEADER_ID, DemoClient, demo_id

WORKPLACE = "Parkvænget (demo)"
PAID_PEER_ID = demo_id("parkvaenget-paid-peer")
PROJECT = "Bro til hverdagslivet (demo)"
LOCAL_FIELDS = {
    "organisational_placement": "Udviklingsteamet, Parkvænget (demo)",
    "nearest_leader": "Ulla Udviklingsleder (demo)",
    "mentor": "Karl Koordinator (demo)",
    "internal_partners": ["Udviklingsteamet (demo)", "Personaleleder i Øst Første (demo)"],
    "special_tasks": {"2": ["Udvikle og afholde 3 workshops på peer-uddannelsen"]},
}
WORKING_TIMES = [{"weekday": d, "starts": "10:00", "ends": "15:00"} for d in ("tue", "wed", "thu")]
TASKS = [
    {"title": "Udvikle og afholde 3 workshops",
     "success_criteria": [{"description": "3 workshops afholdt", "target": 3, "measure": "group_sessions_held"}]},
    {"title": "Støtte 3 frivillige peers i at udvikle og afholde 3 workshops med 3 øvelser hver",
     "success_criteria": [{"description": "3 frivillige, 3 workshops, 3 øvelser hver", "target": 3}]},
]


def parkvaenget_paid_peer(client: DemoClient, report=print) -> int:
    """Seed 001: the function description adopted, filled and published; the paid peer under it with
    Tue–Thu 10–15 and a 15-minute break, seconded Feb–Apr from Øst Første, their needs and agreed tasks."""
    created = 0
    description = next(iter(client.call("GET", "roles", "/function-descriptions", params={"workplace": WORKPLACE})),
                       None)
    if description is None:
        description = client.call("POST", "roles", "/function-descriptions", json={"workplace": WORKPLACE})
        created += 1
    path = f"/function-descriptions/{description['id']}"
    if description["status"] != "published":
        client.call("PATCH", "roles", f"{path}/local-fields", json={"fields": LOCAL_FIELDS})
        client.call("PUT", "roles", f"{path}/support-mode", json={"support_mode": "group"})
        client.call("POST", "roles", f"{path}/publish", json={})
        created += 1

    peer_path = f"/peers/{PAID_PEER_ID}"
    peer = client.call("GET", "roles", peer_path, missing_ok=True)
    if peer is None:
        peer = client.call("POST", "roles", "/peers", json={
            "peer_id": PAID_PEER_ID, "kind": "paid", "title": "peer-medarbejder", "name": "Pia Peer (demo)",
            "workplace": WORKPLACE, "leader_id": LEADER_ID, "function_description_id": description["id"]})
        created += 1
    if not peer.get("terms"):
        client.call("PUT", "roles", f"{peer_path}/terms", role="leader",
                    json={"weekly_hours": 15, "working_times": WORKING_TIMES, "break_minutes": 15})
        client.call("PUT", "roles", f"{peer_path}/accommodation-needs", role="peer", subject=PAID_PEER_ID, json={
            "needs": ["Rolige omgivelser og forudsigelige opgaver", "Tid til omstilling", "Mindst mulig stress"]})
        created += 1
    if not peer.get("secondments"):
        year = date.today().year
        client.call("POST", "roles", f"{peer_path}/secondments", role="leader", json={
            "from_unit": "Øst Første (demo)", "to_unit": WORKPLACE, "starts_on": f"{year}-02-01",
            "ends_on": f"{year}-04-30", "personnel_leader_id": demo_id("personnel-leader")})
        created += 1
    if not client.call("GET", "roles", f"{peer_path}/tasks", role="leader")["tasks"]:
        for task in TASKS:
            client.call("POST", "roles", f"{peer_path}/tasks", role="leader", json=task)
        created += 1
    return created


# Three volunteers, each agreement in its own state (seed 003): active, paused, and due for renewal.
VOLUNTEERS = (
    {"key": "volunteer-active", "name": "Sofie Frivillig (demo)", "started_days_ago": 45, "state": "active"},
    {"key": "volunteer-paused", "name": "Mads Pause (demo)", "started_days_ago": 120, "state": "paused"},
    {"key": "volunteer-renewal", "name": "Lise Fornyelse (demo)", "started_days_ago": 165, "state": "renewal due"},
)


def _agreement_body(volunteer: dict, volunteer_id: str, start: date) -> dict:
    return {"volunteer_id": volunteer_id, "coordinator_id": COORDINATOR_ID, "project": PROJECT,
            "name": volunteer["name"], "address": "Demovej 1", "postcode": "2840", "city": "Holte",
            "phone": "+45 00 00 00 00", "email": f"{volunteer['key']}@demo.invalid", "cpr": "010190-1234",
            "start_date": start.isoformat(), "criminal_record_check": "requested"}


def bro_til_hverdagslivet_volunteers(client: DemoClient, report=print) -> int:
    """Seed 003: each volunteer registered, their agreement drafted, signed by both parties, confidentiality
    accepted and a clean criminal-record check; one then paused; one so old its renewal is due now."""
    created = 0
    today = date.today()
    agreements = {a["volunteer_id"]: a for a in client.call("GET", "roles", "/volunteer-agreements")}
    for volunteer in VOLUNTEERS:
        volunteer_id = demo_id(volunteer["key"])
        if client.call("GET", "roles", f"/peers/{volunteer_id}", missing_ok=True) is None:
            client.call("POST", "roles", "/peers", json={
                "peer_id": volunteer_id, "kind": "volunteer", "title": "frivillig peer", "name": volunteer["name"],
                "workplace": PROJECT})
            created += 1
        start = today - timedelta(days=volunteer["started_days_ago"])
        agreement = agreements.get(volunteer_id)
        if agreement is None:
            agreement = client.call("POST", "roles", "/volunteer-agreements",
                                    json=_agreement_body(volunteer, volunteer_id, start))
            created += 1
        path = f"/volunteer-agreements/{agreement['id']}"
        on = {"on": start.isoformat()}
        if agreement["status"] == "draft":
            as_volunteer = {"role": "peer", "subject": volunteer_id}
            client.call("POST", "roles", f"{path}/signatures", **as_volunteer, json={"party": "volunteer", **on})
            client.call("POST", "roles", f"{path}/confidentiality", **as_volunteer, json=on)
            client.call("PUT", "roles", f"{path}/criminal-record-check", json={"status": "clean"})
            agreement = client.call("POST", "roles", f"{path}/signatures", json={"party": "coordinator", **on})
            created += 1
        if volunteer["state"] == "paused" and agreement["status"] == "active" and not agreement.get("pauses"):
            client.call("POST", "roles", f"{path}/pause", role="peer", subject=volunteer_id, json={
                "on": (today - timedelta(days=14)).isoformat(),
                "pause_from": (today - timedelta(days=7)).isoformat()})
            created += 1
    return created
