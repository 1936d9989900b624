"""Erasure and replay: erasing a person destroys their key and their read-model rows in every service,
records that it happened (with nothing about them), and a projection rebuilt afterwards shows nothing
of them: a masked value. Statistics that do not identify the person survive."""
import json
import uuid

from runtime import db
from runtime.privacy import keystore, sealing, vault
from tests.support.instance import wait_until
from tests.support.peer_admin import peer_admin

LENE, METTE, KIM = "Lene Lederløkke", "Mette Mentorsdottir", "Kim Kollegaard"


def describe(instance, workplace, leader, mentor):
    adopted = instance.call("POST", "roles", "/function-descriptions", json={"workplace": workplace})
    assert adopted.status_code == 201, adopted.text
    path = f"/function-descriptions/{adopted.json()['id']}"
    filled = instance.call("PATCH", "roles", f"{path}/local-fields", json={"fields": {
        "organisational_placement": "Socialpsykiatrien", "nearest_leader": leader, "mentor": mentor,
        "internal_partners": ["Teamet"]}})
    assert filled.status_code == 200, filled.text
    instance.call("PUT", "roles", f"{path}/support-mode", json={"support_mode": "both"})
    published = instance.call("POST", "roles", f"{path}/publish", json={})
    assert published.status_code == 200, published.text
    return path, published.json()


def read_model(instance):
    with db.connect(instance.database_url("roles")) as conn:
        return [json.dumps(r, default=str, sort_keys=True) for r in
                conn.execute("SELECT * FROM function_descriptions ORDER BY id").fetchall()]


def stored_events(instance):
    with db.connect(instance.database_url("roles")) as conn:
        return conn.execute("SELECT stream_name, event_type, payload::text AS payload FROM events "
                            "ORDER BY global_position").fetchall()


def published_count(instance):
    with db.connect(instance.database_url("roles")) as conn:
        return conn.execute("SELECT count(*) AS n FROM function_descriptions WHERE status = 'published'"
                            ).fetchone()["n"]


def test_erasure_then_replay_shows_nothing_of_the_person(instance):
    instance.start_service("roles")
    instance.start_service("notifications")
    instance.start_relay("roles")

    first, described = describe(instance, "Parkvænget", LENE, METTE)
    lene = described["local_fields"]["nearest_leader"]["person_id"]
    mette = described["local_fields"]["mentor"]["person_id"]
    # The same leader named again, by her id, in a second description.
    second, _ = describe(instance, "Bro til hverdagslivet", {"person_id": lene, "name": LENE}, KIM)
    assert described["local_fields"]["nearest_leader"] == {"person_id": lene, "name": LENE}

    # Encrypted at rest: neither the events nor the read model hold a name in clear.
    for text in [e["payload"] for e in stored_events(instance)] + read_model(instance):
        assert LENE not in text and METTE not in text and KIM not in text
    # A message addressed to Lene in another service (the notifications read model).
    with db.connect(instance.database_url("notifications")) as conn:
        conn.execute("INSERT INTO inbox_messages (id, recipient_role, recipient_person, subject, body, source_event, "
                     "created_at) VALUES (%s, 'leader', %s, 'Til Lene', 'Personlig besked', %s, now())",
                     (uuid.uuid4(), lene, uuid.uuid4()))
    assert published_count(instance) == 2

    # -- erase Lene over HTTP (admins only) ------------------------------------------------------------
    assert instance.call("POST", "roles", f"/persons/{lene}/erasure", roles=("leader",), json={}).status_code == 403
    erased = instance.call("POST", "roles", f"/persons/{lene}/erasure", roles=("admin",),
                           json={"basis": "data_subject_request"})
    assert erased.status_code == 200, erased.text
    assert erased.json() == {"person_id": lene, "keys_destroyed": True, "recorded": True}

    for path in (first, second):
        shown = instance.call("GET", "roles", path).json()["local_fields"]
        assert shown["nearest_leader"] == {"person_id": lene, "name": sealing.MASK}
    assert instance.call("GET", "roles", first).json()["local_fields"]["mentor"]["name"] == METTE
    # The read model holds nothing of hers any more, not even her ciphertext.
    assert not [row for row in read_model(instance) if f":{lene}:" in row]
    # The erasure is recorded, with nothing about her but her id in the stream name.
    erasures = [e for e in stored_events(instance) if e["event_type"] == "person.erased"]
    assert [(e["stream_name"], json.loads(e["payload"])) for e in erasures] == [
        (f"person-{lene}", {"basis": "data_subject_request", "keys_destroyed": True})]
    with db.connect(instance.database_url("vault")) as conn:
        assert conn.execute("SELECT count(*) AS n FROM person_keys WHERE subject = %s", (lene,)).fetchone()["n"] == 0
        assert conn.execute("SELECT erased_by FROM erased_subjects WHERE subject = %s", (lene,)).fetchone()
    # Every service forgets her: notifications received person.erased through the broker.
    with db.connect(instance.database_url("notifications")) as conn:
        wait_until(lambda: conn.execute("SELECT count(*) AS n FROM inbox_messages WHERE recipient_person = %s",
                                        (lene,)).fetchone()["n"] == 0, message="notifications forgot her")
    # Her events keep their ciphertext (events are immutable), and it opens to nothing but the mask.
    sealed = [e["payload"] for e in stored_events(instance) if f":{lene}:" in e["payload"]]
    assert sealed, "her sealed name should still be in the events, unreadable"
    for payload in sealed:
        opened = json.dumps(vault.VaultSession(keystore_of(instance)).open(json.loads(payload)), ensure_ascii=False)
        assert LENE not in opened and sealing.MASK in opened

    # -- replay: rebuild the read model from the events ------------------------------------------------
    live = read_model(instance)
    peer_admin(instance, "rebuild", "roles")
    assert read_model(instance) == live, "a rebuild must give the live read model byte for byte"
    assert instance.call("GET", "roles", second).json()["local_fields"]["nearest_leader"]["name"] == sealing.MASK
    assert published_count(instance) == 2, "non-identifying statistics survive the erasure"

    # -- repeated requests, and no way back ----------------------------------------------------------
    again = instance.call("POST", "roles", f"/persons/{lene}/erasure", roles=("admin",), json={})
    assert again.json() == {"person_id": lene, "keys_destroyed": False, "recorded": False}
    renamed = instance.call("PATCH", "roles", f"{first}/local-fields",
                            json={"fields": {"nearest_leader": {"person_id": lene, "name": LENE}}})
    assert renamed.status_code == 409 and LENE not in renamed.text

    # -- the CLI does the same for Mette ---------------------------------------------------------------
    out = peer_admin(instance, "erase-person", mette, "--by", "admin-7", "--yes")
    assert json.loads(out.strip().splitlines()[-1]) == {"person_id": mette, "keys_destroyed": True, "recorded": True}
    assert instance.call("GET", "roles", first).json()["local_fields"]["mentor"] == {"person_id": mette,
                                                                                      "name": sealing.MASK}
    assert instance.call("GET", "roles", second).json()["local_fields"]["mentor"]["name"] == KIM
    peer_admin(instance, "rebuild", "roles")
    rebuilt = "\n".join(read_model(instance))
    assert f":{lene}:" not in rebuilt and f":{mette}:" not in rebuilt
    assert published_count(instance) == 2


def keystore_of(instance):
    import base64

    kek = base64.urlsafe_b64decode(instance.vault_master_key)
    return keystore.KeyStore.at(instance.database_url("vault"), kek)
