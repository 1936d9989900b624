"""The network service's stories: a network with members and facilitators, a weekly meeting with every
exception and the attendance the volunteer's statement counts, resources shared and one offered nationally."""
from __future__ import annotations

from tests.contracts.scenario import Scenario

WEEKLY = {"frequency": "weekly", "starts_at": "2025-02-06T10:00:00+01:00", "duration_minutes": 120,
          "until": "2025-03-06"}


def network_members_and_facilitators(s: Scenario) -> None:
    """Network learns of the peers roles registered through the broker (`network_peer.known`): joining waits."""
    paid, volunteer, guest = s.ids["paid"], s.ids["volunteer"], s.ids["guest"]
    network = s.ids["network"] = s.eventually("POST", "network", "/networks", {
        "name": "Peer-netværk Sjælland", "purpose": "Sparring mellem peers", "kind": "regional",
        "facilitator_peer_ids": [paid]})["id"]
    path = f"/networks/{network}"
    s.eventually("POST", "network", f"{path}/members", {}, peer=volunteer)
    s.eventually("POST", "network", f"{path}/members", {"peer_id": guest})
    s.call("DELETE", "network", f"{path}/members/{guest}")
    s.call("POST", "network", f"{path}/facilitators", {"peer_id": volunteer})
    s.call("DELETE", "network", f"{path}/facilitators/{volunteer}")


def weekly_meeting_with_exceptions(s: Scenario) -> None:
    paid, volunteer = s.ids["paid"], s.ids["volunteer"]
    meeting = s.call("POST", "network", "/meetings", {
        "kind": "development_meeting", "title": "Udviklingsmøde", "place": "Udviklingsteamet",
        "network_id": s.ids["network"], "facilitator_peer_ids": [paid], "schedule": WEEKLY}, peer=paid)
    first, second, third = (o["occurrence"] for o in meeting["occurrences"][:3])
    base = f"/meetings/{meeting['id']}"
    s.call("POST", "network", f"{base}/invitations", {"peer_ids": [s.ids["guest"]]}, peer=paid)
    s.call("PUT", "network", f"{base}/occurrences/{second}/schedule", {
        "starts_at": "2025-02-14T10:00:00+01:00", "ends_at": "2025-02-14T12:00:00+01:00", "reason": "clash"},
        peer=paid)
    s.call("POST", "network", f"{base}/occurrences/{third}/cancel", {"reason": "holiday"}, peer=paid)
    occurrence = f"{base}/occurrences/{first}"
    s.call("PUT", "network", f"{occurrence}/agenda", {"theme": "relations_and_boundaries",
                                                     "agenda": [{"title": "Runde", "minutes": 20}]}, peer=paid)
    s.call("POST", "network", f"{occurrence}/sign-ups", {"note": "Jeg kommer lidt senere"}, peer=volunteer)
    s.call("DELETE", "network", f"{occurrence}/sign-ups/{volunteer}", peer=volunteer)
    s.call("POST", "network", f"{occurrence}/held", {"attendance": [
        {"peer_id": paid, "status": "present"}, {"peer_id": volunteer, "status": "present"}]}, peer=paid)
    s.call("PUT", "network", f"{occurrence}/attendance/{volunteer}", {"status": "absent"}, peer=paid)
    cancelled = s.call("POST", "network", "/meetings", {
        "kind": "group_supervision", "title": "Supervision", "place": "Mødelokalet",
        "network_id": s.ids["network"], "schedule": {**WEEKLY, "until": "2025-02-20"}}, peer=paid)
    s.call("POST", "network", f"/meetings/{cancelled['id']}/cancel", {"reason": "holiday"}, peer=paid)


def resources_shared_and_offered_nationally(s: Scenario) -> None:
    paid, volunteer, path = s.ids["paid"], s.ids["volunteer"], f"/networks/{s.ids['network']}/resources"
    text = s.call("POST", "network", path, {"title": "Min erfaring med grænser", "kind": "text",
                                            "text": "Om grænser ...", "tags": ["boundaries"],
                                            "theme": "relations_and_boundaries"}, peer=volunteer)
    link = s.call("POST", "network", path, {"title": "Peer-støtte", "kind": "link",
                                            "url": "https://www.socialstyrelsen.dk/peer-stotte",
                                            "tags": ["recovery"], "theme": "peer_role"}, peer=paid)
    s.call("POST", "network", f"/resources/{text['id']}/withdraw", {}, peer=volunteer)
    s.call("POST", "network", f"/resources/{link['id']}/national-offer", {})


STEPS = [network_members_and_facilitators, weekly_meeting_with_exceptions, resources_shared_and_offered_nationally]
