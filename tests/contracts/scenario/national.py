"""National events (the yearly peer meetup, seed 004) across the national instance and a region: created at
the national instance and announced to the regions (national.broadcast); two peers of the region sign up for
its one place, one is accepted and one waitlisted (national.addressed); the first withdraws, the second is
promoted and attends. Runs only where the national instance publishes events of its own (the every-type
test then runs the region and the national instance on the multi-region topology)."""
from __future__ import annotations

from tests.contracts.scenario import Scenario, StepFailed
from tests.support.instance import wait_until

MEETUP = {"title": "Peertræf: Din praksis i fokus", "starts_at": "2027-05-11T08:00:00+00:00",
          "ends_at": "2027-05-11T14:00:00+00:00", "place": "Peer-Partnerskabet, København", "capacity": 1,
          "themes": ["practice_in_focus"], "programme": [{"starts_at": "2027-05-11T08:00:00+00:00",
                                                          "title": "Velkomst"}]}


def _status(s: Scenario, path: str, peer: str, wanted: str) -> None:
    def reached():
        return {x["peer_id"]: x["status"] for x in s.call("GET", "network", path)}.get(peer) == wanted
    try:
        wait_until(reached, timeout=60, interval=0.5, message=f"{wanted} from the national instance")
    except TimeoutError:
        raise StepFailed(f"the sign-up never became {wanted}: {s.call('GET', 'network', path)}") from None


def meetup_announced_signed_up_and_attended(s: Scenario) -> None:
    event = s.call("POST", "national", "/national/events", MEETUP, role="national_coordinator")["id"]
    s.eventually("GET", "network", f"/national-events/{event}")  # the announcement has reached the region
    paid, volunteer, path = s.ids["paid"], s.ids["volunteer"], f"/national-events/{event}/sign-ups"
    s.call("POST", "network", path, {}, peer=paid)
    _status(s, path, paid, "accepted")
    s.call("POST", "network", path, {}, peer=volunteer)
    _status(s, path, volunteer, "waitlisted")
    s.call("DELETE", "network", f"{path}/{paid}", peer=paid)
    _status(s, path, volunteer, "accepted")
    _status(s, path, paid, "cancelled")
    s.call("POST", "network", f"{path}/{volunteer}/attendance")


STEPS = [meetup_announced_signed_up_and_attended]
