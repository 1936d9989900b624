"""The vault is no decryption oracle, and no stored value can break a read (issue 8 items 7 and 8).

Over HTTP against a real roles service: an editor who has got hold of a victim's sealed accommodation
needs (from a dump, a queue, a backup) tries to make the service decrypt them for her by PATCHing the
ciphertext into a function description. Every way in is refused with a 422 problem document naming the field (the status of every field-level refusal here), nothing
is stored, and nothing is decrypted.
"""
import json
import uuid

import pytest

from runtime import db, eventstore
from runtime.privacy import sealing

VICTIM, LEADER = str(uuid.uuid4()), str(uuid.uuid4())
NEEDS = ["Tåler ikke konflikter", "Har angst om morgenen"]


def _events(instance) -> list[dict]:
    with db.connect(instance.database_url("roles")) as conn:
        return conn.execute("SELECT event_id, payload::text AS payload FROM events ORDER BY global_position").fetchall()


def _stolen_needs(instance) -> str:
    with db.connect(instance.database_url("roles")) as conn:
        return conn.execute("SELECT accommodation_needs FROM peers WHERE id = %s", (VICTIM,)).fetchone()[
            "accommodation_needs"]


@pytest.fixture
def roles_with_a_victim(instance):
    instance.start_service("roles")
    leader = instance.token("leader", subject=LEADER)
    registered = instance.call("POST", "roles", "/peers", token=leader, json={
        "peer_id": VICTIM, "kind": "paid", "title": "peer-støttemedarbejder", "name": "Vera Victim",
        "workplace": "Parkvænget", "leader_id": LEADER})
    assert registered.status_code == 201, registered.text
    recorded = instance.call("PUT", "roles", f"/peers/{VICTIM}/accommodation-needs", token=leader,
                             json={"needs": NEEDS})
    assert recorded.status_code == 200, recorded.text
    adopted = instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Bro"})
    assert adopted.status_code == 201, adopted.text
    return instance, f"/function-descriptions/{adopted.json()['id']}"


def test_a_victims_ciphertext_patched_into_a_function_description_is_refused_and_never_opened(roles_with_a_victim):
    """Guards item 7: the vault kept any sealed-looking input as "already sealed" and opened any sealed
    value wherever it sat, so the editor read the victim's accommodation needs back as a leader's name
    or a placement. Now a sealed value is accepted only in its own field for its own person: 400, the
    field named, no event stored, and the response and every later read hold no plaintext."""
    instance, path = roles_with_a_victim
    stolen = _stolen_needs(instance)
    assert sealing.subject_of(stolen) == VICTIM
    before = _events(instance)
    attempts = {
        "fields.organisational_placement": {"organisational_placement": stolen},
        "fields.internal_partners[0]": {"internal_partners": [stolen]},
        # the victim named as the leader, with her needs as the "name": same person, another field
        "fields.nearest_leader.name": {"nearest_leader": {"person_id": VICTIM, "name": stolen}},
    }
    for field, local_fields in attempts.items():
        answer = instance.call("PATCH", "roles", f"{path}/local-fields", json={"fields": local_fields})
        assert answer.status_code == 422, (field, answer.status_code, answer.text)
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert field in [e["field"] for e in answer.json()["errors"]], answer.json()
        assert not any(need in answer.text for need in NEEDS)
    adopted = instance.call("POST", "roles", "/function-descriptions", json={"workplace": stolen})
    assert adopted.status_code == 422 and "workplace" in [e["field"] for e in adopted.json()["errors"]]
    assert _events(instance) == before  # nothing stored
    shown = instance.call("GET", "roles", path)
    assert shown.status_code == 200 and not any(need in shown.text for need in NEEDS)


def test_a_ciphertext_stored_outside_its_field_opens_as_the_mask(roles_with_a_victim):
    """Guards item 7 for data already stored (written before the fix, or by a bug): the vault opens a
    value only where its contract declares that personal field, so a victim's needs sitting in a
    placement read back masked, never decrypted."""
    instance, path = roles_with_a_victim
    stolen = _stolen_needs(instance)
    description_id = path.rsplit("/", 1)[1]
    with db.connect(instance.database_url("roles")) as conn:
        version = conn.execute("SELECT version FROM function_descriptions WHERE id = %s",
                               (description_id,)).fetchone()["version"]
        from services.roles import projections
        for event in eventstore.append(conn, f"function_description-{description_id}", [eventstore.NewEvent(
                "function_description.local_fields_filled",
                {"fields": {"organisational_placement": stolen,
                            "nearest_leader": {"person_id": VICTIM, "name": stolen}}})],
                version, eventstore.Metadata("roles", instance.instance_id, "attacker", uuid.uuid4())):
            projections.project(conn, event)
    for reading in (path, f"{path}/history"):
        answer = instance.call("GET", "roles", reading)
        assert answer.status_code == 200, answer.text
        assert not any(need in answer.text for need in NEEDS)
    shown = instance.call("GET", "roles", path).json()["local_fields"]
    assert shown["nearest_leader"]["name"] != stolen and shown["nearest_leader"]["name"] in ([], sealing.MASK)


def test_a_malformed_sealed_value_is_refused_naming_the_field_and_never_breaks_a_read(roles_with_a_victim):
    """Guards item 8: a sealed string of a length no base64 can have raised `binascii.Error` (only
    `InvalidTag` was caught), so every later read of the aggregate was a 500. On input it is now a 422
    naming the field; stored, it reads as the mask."""
    instance, path = roles_with_a_victim
    leader_id = str(uuid.uuid4())
    malformed = f"pii:v2:s:{leader_id}:name:{'A' * 41}"  # 41 characters: not base64 of anything
    answer = instance.call("PATCH", "roles", f"{path}/local-fields",
                           json={"fields": {"nearest_leader": {"person_id": leader_id, "name": malformed}}})
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["fields.nearest_leader.name"]

    description_id = path.rsplit("/", 1)[1]
    with db.connect(instance.database_url("roles")) as conn:  # as if it had been stored before the fix
        version = conn.execute("SELECT version FROM function_descriptions WHERE id = %s",
                               (description_id,)).fetchone()["version"]
        from services.roles import projections
        for event in eventstore.append(conn, f"function_description-{description_id}", [eventstore.NewEvent(
                "function_description.local_fields_filled",
                {"fields": {"nearest_leader": {"person_id": leader_id, "name": malformed}}})],
                version, eventstore.Metadata("roles", instance.instance_id, "test", uuid.uuid4())):
            projections.project(conn, event)
    for reading in (path, f"{path}/history"):
        shown = instance.call("GET", "roles", reading)
        assert shown.status_code == 200, shown.text
    assert instance.call("GET", "roles", path).json()["local_fields"]["nearest_leader"]["name"] == sealing.MASK
    filled = instance.call("PATCH", "roles", f"{path}/local-fields",
                           json={"fields": {"organisational_placement": "Socialpsykiatrien"}})
    assert filled.status_code == 200, filled.text  # the stream still takes commands
    assert json.dumps(filled.json()).count(malformed) == 0
