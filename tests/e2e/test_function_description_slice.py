"""The first vertical slice: a function description adopted, filled, published over HTTP in the roles
service; its events reach the notifications service in another process through the broker."""
from tests.support.function_description import LOCAL_FIELDS
from tests.support.instance import wait_until


def test_published_description_reaches_another_service_through_the_broker(instance):
    instance.start_service("roles")
    instance.start_service("notifications")
    instance.start_relay("roles")

    adopted = instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Parkvænget"})
    assert adopted.status_code == 201, adopted.text
    description = adopted.json()
    assert description["status"] == "draft"
    assert description["template"]["responsibilities"][0]["number"] == 1
    assert len(description["template"]["responsibilities"]) == 5
    assert "Peer-Netværk Danmark" in description["local_fields"]["external_partners"]
    path = f"/function-descriptions/{description['id']}"

    refused = instance.call("POST", "roles", f"{path}/publish", json={})
    assert refused.status_code == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {"local_fields.organisational_placement", "local_fields.nearest_leader",
                      "local_fields.mentor", "local_fields.internal_partners", "support_mode"}

    filled = instance.call("PATCH", "roles", f"{path}/local-fields", json={"fields": LOCAL_FIELDS})
    assert filled.status_code == 200, filled.text
    decided = instance.call("PUT", "roles", f"{path}/support-mode", json={"support_mode": "both"})
    assert decided.json()["missing_for_publication"] == []

    stale = instance.call("POST", "roles", f"{path}/publish", json={"expected_version": 1})
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["field"] == "expected_version"

    published = instance.call("POST", "roles", f"{path}/publish", json={"expected_version": decided.json()["version"]})
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert published.json()["revision"] == 1

    def leader_inbox():
        return instance.call("GET", "notifications", "/inbox", roles=("leader",)).json()

    inbox = wait_until(leader_inbox, message="the published description reaching the leader's inbox")
    assert inbox[0]["subject"] == "Funktionsbeskrivelse offentliggjort: Parkvænget"
    assert "både individuel peer-støtte og gruppeforløb" in inbox[0]["body"]


def test_validation_errors_name_the_field_and_reason(instance):
    instance.start_service("roles")
    bad_json = instance.call("POST", "roles", "/function-descriptions", data="{not json",
                             headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 422
    assert bad_json.json()["errors"] == [{"field": "body", "reason": "not valid JSON"}]

    missing = instance.call("POST", "roles", "/function-descriptions", json={})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "workplace", "reason": "Missing data for required field."}]

    adopted = instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Bro til hverdagslivet"})
    path = f"/function-descriptions/{adopted.json()['id']}"
    wrong = instance.call("PUT", "roles", f"{path}/support-mode", json={"support_mode": "sometimes"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "support_mode"
    unknown_task_group = instance.call("PATCH", "roles", f"{path}/local-fields",
                                       json={"fields": {"special_tasks": {"9": ["x"]}}})
    assert unknown_task_group.status_code == 422
    assert unknown_task_group.json()["errors"][0]["field"].startswith("fields.special_tasks")

    missing_row = instance.call("GET", "roles", "/function-descriptions/00000000-0000-0000-0000-000000000000")
    assert missing_row.status_code == 404
    # Nothing of the refused requests was stored: the description is still at its first two events.
    assert instance.call("GET", "roles", path).json()["version"] == 1
