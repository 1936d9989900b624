"""The demo data of issue 14 item 1, loaded through the public HTTP APIs of a running instance."""
from __future__ import annotations

from demo import load
from demo.client import demo_id
from demo.courses import PEER_EDUCATION, RECOVERY_GROUP
from demo.network import NETWORK, SPARRING
from demo.roles import PAID_PEER_ID, VOLUNTEERS, WORKPLACE


def test_demo_shows_the_seeds_people_and_courses(demo_loaded):
    """Guards that the demo fills what a newcomer should see: seed 001's published function description and
    paid peer with terms, seed 003's three volunteers in three agreement states, the peer education and the
    recovery group with sessions and attendance, and an individual support course."""
    running, created, notes = demo_loaded
    client = running.demo_client()
    assert all(count for name, count in created.items() if count is not None), created
    descriptions = client.call("GET", "roles", "/function-descriptions", params={"workplace": WORKPLACE})
    assert [d["status"] for d in descriptions] == ["published"]
    peer = client.call("GET", "roles", f"/peers/{PAID_PEER_ID}")
    assert peer["name"].endswith("(demo)") and peer["terms"]["weekly_hours"] == 15
    agreements = client.call("GET", "roles", "/volunteer-agreements")
    assert sorted(a["status"] for a in agreements) == ["active", "active", "paused"]
    due = client.call("GET", "roles", "/volunteer-agreements/due-for-renewal")
    assert [a["volunteer_id"] for a in due] == [demo_id("volunteer-renewal")]
    courses = {c["title"]: c for c in client.call("GET", "courses", "/group-courses")}
    for title in (PEER_EDUCATION, RECOVERY_GROUP):
        detail = client.call("GET", "courses", f"/group-courses/{courses[title]['id']}")
        assert [s["status"] for s in detail["sessions"]][:2] == ["held", "held"], detail["sessions"]
        participants = client.call("GET", "courses", f"/group-courses/{courses[title]['id']}/participants")
        assert participants and all(p["sessions_attended"] >= 1 for p in participants[:1])
    support = client.call("GET", "courses", "/support-courses", role="peer", subject=PAID_PEER_ID)
    assert len(support) == 1
    networks = [n for n in client.call("GET", "network", "/networks") if n["name"] == NETWORK]
    assert len(networks) == 1 and networks[0]["members"] == 1 + len(VOLUNTEERS)
    sparring = next(m for m in client.call("GET", "network", "/meetings") if m["title"] == SPARRING)
    first = client.call("GET", "network", f"/meetings/{sparring['id']}")["occurrences"][0]
    assert (first["status"], first["theme"], first["attended"]) == ("held", "relations_and_boundaries", 2)
    assert any("national meetup" in note for note in notes), notes


def test_a_second_load_changes_nothing(demo_loaded):
    """Guards idempotency: loading again creates nothing and appends no event (looks before it creates)."""
    running, _, _ = demo_loaded
    from runtime import db

    def event_counts():
        counts = {}
        for service in ("roles", "courses", "network"):
            with db.connect(running.database_url(service)) as conn:
                counts[service] = conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"]
        return counts

    before = event_counts()
    again = load(running.demo_client(), report=lambda note: None)
    assert all(not count for count in again.values()), again
    assert event_counts() == before
