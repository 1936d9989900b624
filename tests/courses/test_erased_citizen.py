"""An erased citizen's stream takes no new command (issue 8, item 16, in courses): a contact change that
carries no personal value (only nulls, which the vault would not refuse) answered 200 and brought back
a citizen row with empty fields."""
from tests.courses.conftest import CoursesInstance


def test_a_command_on_an_erased_citizen_is_refused(tmp_path):
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
