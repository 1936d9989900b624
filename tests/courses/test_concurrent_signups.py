"""A rush of sign-ups (issue 8, item 24), against the real courses service: commands whose client sends no
expected version are decided again on fresh state after a version conflict, in one place for every
service (runtime/http/entrypoint.py `run_command`); capacity and the waitlist still hold exactly."""
from concurrent.futures import ThreadPoolExecutor

import requests

from runtime import db
from tests.support.courses_instance import new_id

CAPACITY, SIGN_UPS = 5, 12


def test_concurrent_sign_ups_are_all_answered_and_capacity_holds(running):
    """Guards item 24: of 12 people signing up at once only 2-3 got 201, the rest 409 and had to retry."""
    planned = running.as_coordinator("POST", "/group-courses", json={
        "kind": "recovery_group", "title": "Recoverygruppe", "capacity": CAPACITY,
        "completion_rule": {"min_sessions_attended": 1, "min_attendance_percent": 50}})
    assert planned.status_code == 201, planned.text
    course = planned.json()["id"]
    citizens = [running.as_coordinator("POST", "/citizens", json={"name": f"Borger {n}"}).json()["id"]
                for n in range(SIGN_UPS)]
    token = running.token("coordinator", subject=new_id())

    def sign_up(citizen):
        return requests.post(running.url("courses", f"/group-courses/{course}/participants"), timeout=60,
                             headers={"Authorization": f"Bearer {token}"},
                             json={"participant_type": "citizen", "citizen_id": citizen})

    with ThreadPoolExecutor(SIGN_UPS) as pool:
        answers = list(pool.map(sign_up, citizens))
    assert [a.status_code for a in answers] == [201] * SIGN_UPS, [a.text[:200] for a in answers if a.status_code != 201]

    with db.connect(running.database_url("courses")) as conn:
        statuses = conn.execute("SELECT status, count(*) AS n FROM group_participants WHERE course_id = %s "
                                "GROUP BY status", (course,)).fetchall()
    assert {r["status"]: r["n"] for r in statuses} == {"enrolled": CAPACITY, "waitlisted": SIGN_UPS - CAPACITY}
    positions = sorted(a.json()["waitlist_position"] for a in answers if a.json()["waitlist_position"])
    assert positions == list(range(1, SIGN_UPS - CAPACITY + 1)), "nobody shares or skips a waitlist place"

    # A client that pinned a version it read before still gets its 409: its decision was on stale state.
    stale = running.as_coordinator("POST", f"/group-courses/{course}/participants", json={
        "participant_type": "citizen", "citizen_id": citizens[0], "expected_version": 0})
    assert stale.status_code == 409, stale.text
