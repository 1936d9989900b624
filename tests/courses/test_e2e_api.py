"""The courses service's HTTP API against a real process and database: methods, waitlist, who may do
what, calendars, hours, errors, and rebuilding the read models."""
from __future__ import annotations

import csv
import json
import io

from icalendar import Calendar

from runtime import db, eventstore
from runtime.eventstore import projection
from services.courses import projections
from services.courses.domain.methods import NATIONAL_METHODS
from tests.support.courses_instance import new_id, register_citizen
from tests.support.http import ok
from tests.support.instance import wait_until

RULE = {"min_sessions_attended": 1, "min_attendance_percent": 50}


def plan(instance, peers=(), capacity=10, kind="recovery_group", title="Recovery-gruppe", method_ids=()):
    return ok(instance.as_coordinator("POST", "/group-courses", json={
        "kind": kind, "title": title, "capacity": capacity, "completion_rule": RULE,
        "method_ids": list(method_ids), "facilitator_peer_ids": list(peers)}), 201)


def session(instance, course_id, start="2024-02-06T10:00:00+01:00", end="2024-02-06T12:00:00+01:00", **extra):
    return ok(instance.as_coordinator("POST", f"/group-courses/{course_id}/sessions", json={
        "title": "Workshop", "starts_at": start, "ends_at": end, "place": "Recovery-skolen, lokale 2", **extra}),
        201)["sessions"][-1]["id"]


def test_methods_national_seeded_and_local_added(running):
    methods = ok(running.as_coordinator("GET", "/methods"))
    assert {m["name"] for m in methods if m["origin"] == "national"} == {
        "Guide til et godt hverdagsliv", "5 veje til et godt liv", "Livshistoriefortællinger", "Liv i Fokus"}
    assert {m["id"] for m in methods if m["origin"] == "national"} == {str(m["id"]) for m in NATIONAL_METHODS}
    local = ok(running.as_coordinator("POST", "/methods", json={"name": "Recovery-café", "description": "Lokal"}), 201)
    again = running.as_coordinator("POST", "/methods", json={"name": "recovery-café"})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "name"
    national_again = running.as_coordinator("POST", "/methods", json={"name": "Liv i Fokus"})
    assert national_again.status_code == 422
    assert local["id"] in {m["id"] for m in ok(running.as_peer(new_id(), "GET", "/methods"))}
    unknown = running.as_coordinator("POST", "/group-courses", json={
        "kind": "recovery_school", "title": "Kursus", "capacity": 5, "completion_rule": RULE,
        "method_ids": [new_id()]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "method_ids"
    course = plan(running, method_ids=[local["id"], str(NATIONAL_METHODS[1]["id"])])
    assert course["method_ids"] == [local["id"], str(NATIONAL_METHODS[1]["id"])]


def test_waitlist_promotes_automatically_over_http(running):
    peer = new_id()
    course = plan(running, peers=[peer], capacity=1)
    path = f"/group-courses/{course['id']}/participants"
    first = ok(running.as_peer(peer, "POST", path, json={"participant_type": "citizen",
                                                          "citizen_id": register_citizen(running, "A")}), 201)
    second = ok(running.as_peer(peer, "POST", path, json={"participant_type": "relative",
                                                           "citizen_id": register_citizen(running, "B")}), 201)
    staff = ok(running.as_peer(peer, "POST", path, json={"participant_type": "staff", "peer_id": new_id()}), 201)
    assert (first["status"], second["status"], second["waitlist_position"], staff["waitlist_position"]) == (
        "enrolled", "waitlisted", 1, 2)
    after = ok(running.as_peer(peer, "POST", f"{path}/{first['id']}/withdraw", json={}))
    status = {p["id"]: (p["status"], p["waitlist_position"]) for p in after}
    assert status == {first["id"]: ("withdrawn", None), second["id"]: ("enrolled", None),
                      staff["id"]: ("waitlisted", 1)}
    summary = ok(running.as_coordinator("GET", f"/group-courses/{course['id']}"))
    assert (summary["enrolled"], summary["waitlisted"]) == (1, 1)


def test_who_may_do_what(running):
    facilitator, stranger, matched = new_id(), new_id(), new_id()
    course = plan(running, peers=[facilitator])
    path = f"/group-courses/{course['id']}"
    citizen = register_citizen(running, "Karen Borger")
    participant = ok(running.as_peer(facilitator, "POST", f"{path}/participants",
                                     json={"participant_type": "citizen", "citizen_id": citizen}), 201)["id"]
    # Planning is for coordinators and leaders; running a course for its facilitators and the coordinator.
    assert running.as_peer(facilitator, "POST", "/group-courses", json={
        "kind": "recovery_group", "title": "x", "capacity": 1, "completion_rule": RULE}).status_code == 403
    assert running.as_peer(stranger, "POST", f"{path}/sessions", json={
        "title": "W", "starts_at": "2024-02-06T10:00:00+01:00", "ends_at": "2024-02-06T11:00:00+01:00",
        "place": "Her"}).status_code == 403
    assert running.call("POST", "courses", f"{path}/participants", roles=("leader",), json={
        "participant_type": "citizen", "citizen_id": citizen}).status_code == 403
    ok(running.as_peer(facilitator, "POST", f"{path}/feedback", json={
        "participant_id": participant, "text": "Jeg har fået mod på at søge job.", "rating": 5}), 201)
    # Feedback free text and names: the coordinator and the facilitators only.
    as_leader = ok(running.call("GET", "courses", f"{path}/feedback", roles=("leader",)))
    assert "text" not in as_leader[0] and as_leader[0]["rating"] == 5
    assert ok(running.as_peer(facilitator, "GET", f"{path}/feedback"))[0]["text"].startswith("Jeg har")
    assert ok(running.as_coordinator("GET", f"{path}/feedback"))[0]["text"].startswith("Jeg har")
    assert ok(running.call("GET", "courses", f"{path}/participants", roles=("leader",)))[0]["name"] is None
    assert ok(running.as_peer(facilitator, "GET", f"{path}/participants"))[0]["name"] == "Karen Borger"
    # Citizen records: the coordinator, and a peer only for the citizens they support; never admin.
    assert running.as_peer(stranger, "GET", f"/citizens/{citizen}").status_code == 403
    assert ok(running.as_peer(facilitator, "GET", f"/citizens/{citizen}"))["name"] == "Karen Borger"
    assert running.call("GET", "courses", f"/citizens/{citizen}", roles=("admin",)).status_code == 403
    assert running.call("GET", "courses", f"/citizens/{citizen}", roles=("leader",)).status_code == 403
    # Support courses: matching is the coordinator's; the course is the matched peer's and the coordinator's.
    other = register_citizen(running, "Ole Borger")
    assert running.as_peer(matched, "POST", "/support-courses", json={"citizen_id": other}).status_code == 403
    support = ok(running.as_coordinator("POST", "/support-courses", json={"citizen_id": other, "peer_id": matched}),
                 201)
    spath = f"/support-courses/{support['id']}"
    assert running.as_peer(matched, "POST", f"{spath}/match/replace", json={"peer_id": stranger}).status_code == 403
    assert running.as_peer(stranger, "GET", spath).status_code == 403
    assert running.call("GET", "courses", spath, roles=("leader",)).status_code == 403
    assert ok(running.as_peer(matched, "GET", spath))["citizen_name"] == "Ole Borger"
    assert [c["id"] for c in ok(running.as_peer(matched, "GET", "/support-courses"))] == [support["id"]]
    assert ok(running.as_peer(stranger, "GET", "/support-courses")) == []
    assert running.as_peer(matched, "POST", f"{spath}/sessions", json={
        "kind": "conversation", "held_at": "2024-02-06T10:00:00+01:00", "duration_minutes": 60,
        "peer_id": stranger}).status_code == 403
    # A peer's token must name the peer.
    bad = running.call("GET", "courses", "/support-courses", token=running.token("peer", subject="not-a-peer-id"))
    assert bad.status_code == 403


def test_errors_name_the_field_and_never_echo_personal_values(running):
    refused = running.as_coordinator("POST", "/citizens", json={"name": "Anne Hansen", "email": "anne.hansen@@x"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "email"
    assert "anne" not in refused.text.lower()
    citizen = register_citizen(running, "Anne Hansen")
    support = ok(running.as_coordinator("POST", "/support-courses", json={"citizen_id": citizen}), 201)
    who5 = running.as_coordinator("POST", f"/support-courses/{support['id']}/who5",
                                  json={"timing": "start", "items": [1, 2, 3, 4, 9]})
    assert who5.status_code == 422 and who5.json()["errors"] == [
        {"field": "items[4]", "reason": "each answer is a whole number from 0 to 5"}]
    no_peer = running.as_coordinator("POST", f"/support-courses/{support['id']}/sessions", json={
        "kind": "conversation", "held_at": "2024-02-06T10:00:00+01:00", "duration_minutes": 60})
    assert no_peer.status_code in (409, 422) and no_peer.json()["errors"][0]["field"] == "peer_id"
    stale = running.as_coordinator("POST", f"/support-courses/{support['id']}/goals",
                                   json={"text": "Et mål", "expected_version": 7})
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "expected_version"
    assert running.as_coordinator("GET", f"/group-courses/{new_id()}").status_code == 404


def test_calendar_feeds_parse_back_with_what_calendar_programs_need(running):
    peer, other_peer = new_id(), new_id()
    course = plan(running, peers=[peer], title="Recovery-skolen: Håb og mening")
    kept = session(running, course["id"], programme="Velkomst og øvelser",
                   exercises=[{"title": "Livslinjen", "duration_minutes": 30}])
    moved = session(running, course["id"], "2024-02-13T10:00:00+01:00", "2024-02-13T12:00:00+01:00")
    cancelled = session(running, course["id"], "2024-02-20T10:00:00+01:00", "2024-02-20T12:00:00+01:00")
    path = f"/group-courses/{course['id']}/sessions"
    ok(running.as_peer(peer, "PUT", f"{path}/{moved}/schedule", json={
        "starts_at": "2024-04-02T10:00:00+02:00", "ends_at": "2024-04-02T12:30:00+02:00", "place": "Biblioteket"}))
    ok(running.as_peer(peer, "POST", f"{path}/{cancelled}/cancel", json={}))
    ok(running.as_peer(peer, "POST", f"/group-courses/{course['id']}/participants", json={
        "participant_type": "citizen", "citizen_id": register_citizen(running, "Hemmelig Deltager")}), 201)

    for feed_path in (f"/calendars/group-courses/{course['id']}.ics", f"/calendars/peers/{peer}.ics"):
        response = running.as_peer(peer, "GET", feed_path)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("text/calendar")
        assert b"\r\n" in response.content and "Hemmelig" not in response.text
        calendar = Calendar.from_ical(response.content)
        assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"]).startswith("-//")
        events = {str(e["UID"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
        assert set(events) == {kept, moved, cancelled}
        for e in events.values():
            assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= set(e.keys())
            assert e.decoded("DTEND") > e.decoded("DTSTART")
        assert events[moved].decoded("DTSTART").isoformat() == "2024-04-02T08:00:00+00:00"
        assert str(events[moved]["LOCATION"]) == "Biblioteket" and int(events[moved]["SEQUENCE"]) == 1
        assert str(events[cancelled]["STATUS"]) == "CANCELLED" and int(events[kept]["SEQUENCE"]) == 0
        assert "Livslinjen" in str(events[kept]["DESCRIPTION"])
        assert str(events[kept]["SUMMARY"]) == "Recovery-skolen: Håb og mening: Workshop"
    # The same feed twice is the same bytes (DTSTAMP from the events, not the clock).
    url = f"/calendars/group-courses/{course['id']}.ics"
    assert running.as_peer(peer, "GET", url).content == running.as_peer(peer, "GET", url).content
    assert running.as_peer(other_peer, "GET", f"/calendars/peers/{peer}.ics").status_code == 403
    assert running.as_peer(other_peer, "GET", f"/calendars/peers/{other_peer}.ics").status_code == 200


def test_hours_per_peer_and_month_as_csv(running):
    facilitator, learner, supporter = new_id(), new_id(), new_id()
    course = plan(running, peers=[facilitator], kind="peer_education", title="Peer-uddannelsen")
    cid = course["id"]
    february = session(running, cid, "2024-02-06T10:00:00+01:00", "2024-02-06T12:30:00+01:00")
    march = session(running, cid, "2024-03-05T10:00:00+01:00", "2024-03-05T12:00:00+01:00")
    participant = ok(running.as_peer(facilitator, "POST", f"/group-courses/{cid}/participants",
                                     json={"participant_type": "citizen", "peer_id": learner}), 201)["id"]
    ok(running.as_peer(facilitator, "POST", f"/group-courses/{cid}/sessions/{february}/held", json={
        "attendance": [{"participant_id": participant, "status": "late", "minutes_late": 30}]}))
    ok(running.as_peer(facilitator, "POST", f"/group-courses/{cid}/sessions/{march}/held", json={
        "facilitations": [{"peer_id": facilitator, "minutes": 100}],
        "attendance": [{"participant_id": participant, "status": "present"}]}))
    support = ok(running.as_coordinator("POST", "/support-courses", json={
        "citizen_id": register_citizen(running, "C"), "peer_id": supporter}), 201)
    # Both on 29 February in UTC; in Denmark the second is already 1 March.
    for when, minutes in (("2024-02-29T22:30:00+00:00", 45), ("2024-02-29T23:30:00+00:00", 60)):
        ok(running.as_peer(supporter, "POST", f"/support-courses/{support['id']}/sessions", json={
            "kind": "companionship", "held_at": when, "duration_minutes": minutes}), 201)

    query = {"from": "2024-02-01", "to": "2024-03-31"}
    response = running.as_coordinator("GET", "/reports/hours.csv", params=query)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0][:3] == ["peer_id", "periode", "gruppeforløb_minutter"]
    rows = {(r[0], r[1]): r[2:] for r in table[1:]}
    assert rows[(facilitator, "2024-02")] == ["150", "0", "0", "150", "2.50", "1"]
    assert rows[(facilitator, "2024-03")] == ["100", "0", "0", "100", "1.67", "1"]
    assert rows[(learner, "2024-02")] == ["0", "0", "120", "120", "2.00", "0"]  # 30 minutes late
    assert rows[(learner, "2024-03")] == ["0", "0", "120", "120", "2.00", "0"]
    assert rows[(supporter, "2024-02")] == ["0", "45", "0", "45", "0.75", "1"]  # Danish dates, not UTC
    assert rows[(supporter, "2024-03")] == ["0", "60", "0", "60", "1.00", "1"]
    # A corrected attendance corrects the hours.
    ok(running.as_peer(facilitator, "PUT", f"/group-courses/{cid}/sessions/{march}/attendance/{participant}",
                       json={"status": "absent"}))
    mine = ok(running.as_peer(learner, "GET", "/reports/hours", params=query))
    assert [(r["period"], r["participation_minutes"]) for r in mine] == [("2024-02", 120)]
    assert running.as_peer(learner, "GET", "/reports/hours", params={**query, "peer_id": supporter}).status_code == 403
    # So does a withdrawn session.
    march_session = ok(running.as_coordinator("GET", f"/support-courses/{support['id']}"))["sessions"][-1]["id"]
    ok(running.as_peer(supporter, "POST", f"/support-courses/{support['id']}/sessions/{march_session}/withdraw",
                       json={"reason": "did_not_take_place"}))
    theirs = ok(running.as_coordinator("GET", "/reports/hours", params={**query, "peer_id": supporter}))
    assert [(r["period"], r["individual_session_minutes"]) for r in theirs] == [("2024-02", 45)]
    bad = running.as_coordinator("GET", "/reports/hours", params={"from": "2024-03-01", "to": "2024-02-01"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to"


def test_rebuilt_read_models_equal_the_live_ones(running):
    peer = new_id()
    course = plan(running, peers=[peer], capacity=1)
    s = session(running, course["id"])
    enrolled = ok(running.as_peer(peer, "POST", f"/group-courses/{course['id']}/participants", json={
        "participant_type": "citizen", "citizen_id": register_citizen(running, "D")}), 201)["id"]
    ok(running.as_peer(peer, "POST", f"/group-courses/{course['id']}/participants", json={
        "participant_type": "citizen", "citizen_id": register_citizen(running, "E")}), 201)
    ok(running.as_peer(peer, "POST", f"/group-courses/{course['id']}/sessions/{s}/held", json={
        "attendance": [{"participant_id": enrolled, "status": "present"}]}))
    ok(running.as_peer(peer, "POST", f"/group-courses/{course['id']}/who5", json={
        "participant_id": enrolled, "timing": "start", "items": [1, 2, 3, 4, 5]}), 201)
    ok(running.as_coordinator("POST", f"/group-courses/{course['id']}/close", json={}))
    support = ok(running.as_coordinator("POST", "/support-courses", json={
        "citizen_id": register_citizen(running, "F"), "peer_id": peer}), 201)
    ok(running.as_peer(peer, "POST", f"/support-courses/{support['id']}/goals", json={"text": "Mål"}), 201)
    ok(running.as_coordinator("POST", f"/support-courses/{support['id']}/match/replace", json={"peer_id": new_id()}))

    def dump(conn):
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in projections.READ_MODEL_TABLES}

    with db.connect(running.database_url("courses")) as conn:
        live = dump(conn)
        assert all(live[t] for t in ("group_courses", "group_sessions", "group_participants", "group_attendance",
                                     "who5_measurements", "support_courses", "support_matches", "support_goals",
                                     "peer_time", "citizens"))
        # The feed shows only transactions below its horizon: while an older transaction is still open
        # the rebuild would stop early. Wait until the feed shows every event, as an operator would.
        total = projection.total_events(conn)

        def feed_shows_every_event():
            visible = len(eventstore.read_all(conn, limit=10_000))
            conn.commit()  # the next try takes a fresh snapshot
            return visible == total

        wait_until(feed_shows_every_event, message="every event visible in the feed")
        projection.rebuild(conn, projections.READ_MODEL_TABLES, projections.project)
        rebuilt = dump(conn)
        assert [t for t in live if rebuilt[t] != live[t]] == []


def test_individual_courses_reach_the_national_level_only_as_a_batch_distribution(courses):
    from tests.support.national import drain, national_queue

    national = national_queue(courses.amqp_uri)
    courses.start_service("courses")
    courses.start_relay("courses")
    for n in range(5):
        peer = new_id()
        support = ok(courses.as_coordinator("POST", "/support-courses", json={
            "citizen_id": register_citizen(courses, f"Borger {n}"), "peer_id": peer}), 201)
        spath = f"/support-courses/{support['id']}"
        ok(courses.as_peer(peer, "POST", f"{spath}/who5", json={"timing": "start", "items": [1, 2, 2, 1, 2]}), 201)
        ok(courses.as_peer(peer, "POST", f"{spath}/who5", json={"timing": "end", "items": [3, 3, 4, 3, 3]}), 201)
        ok(courses.as_peer(peer, "POST", f"{spath}/close", json={"reason": "goals_reached", "evaluation": "Godt"}))
        if n == 3:  # four closed: nothing may have left yet
            with db.connect(courses.database_url("courses")) as conn:
                assert conn.execute("SELECT count(*) AS n FROM events WHERE event_type LIKE 'outcome.%%'"
                                    ).fetchone()["n"] == 0

    def reported():
        reported.bodies += drain(courses.amqp_uri, national)
        return [b for b in reported.bodies if b["type"] == "outcome.who5_distribution_reported"]
    reported.bodies = []
    [body] = wait_until(reported, timeout=60, message="the batch reaching national.events")
    assert body["payload"]["course_kind"] == "individual" and body["payload"]["distributions"] == [
        # everyone in one band at each timing: shown, that would tell each person's band (docs/security.md)
        {"timing": "start", "count": 5, "buckets": [None] * 5, "below_50": None},
        {"timing": "end", "count": 5, "buckets": [None] * 5, "below_50": None}]
    assert body["actor"] == "instance" and "Borger" not in json.dumps(body)
