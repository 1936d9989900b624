"""Erasure in courses (issue 8): an erased citizen's stream takes no new command (item 16), and the
instance's counts survive the erasure and a rebuild (item 18)."""
import subprocess
import sys

from runtime import db
from tests.support.courses_instance import CoursesInstance
from tests.support.instance import ROOT, wait_until


def test_a_command_on_an_erased_citizen_is_refused(tmp_path):
    """Guards item 16: a contact change carrying no personal value (only nulls, which the vault does not
    refuse) answered 200 on an erased citizen and brought back a citizen record."""
    instance = CoursesInstance(services=("courses", "roles"), workdir=tmp_path).create()
    try:
        instance.start_service("courses")
        instance.start_service("roles")
        citizen = instance.as_coordinator("POST", "/citizens", json={"name": "Borger"}).json()["id"]
        erased = instance.call("POST", "roles", f"/persons/{citizen}/erasure", roles=("admin",), json={})
        assert erased.status_code == 200, erased.text

        changed = instance.as_coordinator("PATCH", f"/citizens/{citizen}/contact", json={"phone": None})
        assert changed.status_code == 410, changed.text
        assert changed.json()["errors"] == [{"field": "citizen_id", "reason": "the person was erased"}]
    finally:
        instance.destroy()


def test_courses_statistics_survive_erasure_and_a_rebuild(tmp_path):
    """Guards item 18 in courses: the counts of a course's participants, support courses and citizens
    must not move when a participant is erased (through the broker) nor when the read models are rebuilt."""
    instance = CoursesInstance(services=("courses", "roles"), workdir=tmp_path).create()
    try:
        instance.start_service("courses")
        instance.start_service("roles")
        instance.start_relay("roles")
        citizen = instance.as_coordinator("POST", "/citizens", json={"name": "Borger"}).json()["id"]
        course = instance.as_coordinator("POST", "/group-courses", json={
            "kind": "recovery_group", "title": "Recoverygruppe", "capacity": 1,
            "completion_rule": {"min_sessions_attended": 1, "min_attendance_percent": 50}}).json()["id"]
        for person in (citizen, instance.as_coordinator("POST", "/citizens", json={"name": "B"}).json()["id"]):
            assert instance.as_coordinator("POST", f"/group-courses/{course}/participants", json={
                "participant_type": "citizen", "citizen_id": person}).status_code == 201
        assert instance.as_coordinator("POST", "/support-courses", json={"citizen_id": citizen}).status_code == 201

        def statistics():
            answer = instance.as_coordinator("GET", "/statistics")
            assert answer.status_code == 200, answer.text
            return answer.json()

        before = statistics()
        assert before["participants"]["enrolled"] == 1 and before["participants"]["waitlisted"] == 1
        assert before["citizens"]["registered"] == 2 and before["support_courses"]["open"] == 1
        assert instance.call("POST", "roles", f"/persons/{citizen}/erasure", roles=("admin",), json={}
                             ).status_code == 200
        with db.connect(instance.database_url("courses")) as conn:
            wait_until(lambda: conn.execute("SELECT count(*) AS n FROM citizens WHERE id = %s",
                                            (citizen,)).fetchone()["n"] == 0, timeout=60,
                       message="courses forgetting the citizen")
        assert statistics() == before
        rebuilt = subprocess.run([sys.executable, "-m", "admin.cli", "rebuild", "courses"], cwd=ROOT,
                                 env=instance.env(), capture_output=True, text=True, timeout=120)
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        assert statistics() == before
    finally:
        instance.destroy()
