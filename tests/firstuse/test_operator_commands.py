"""The `peer-admin` commands that change an instance (issue 14 item 3), each against the running instance with the
demo loaded, checked by their effect and not only by their exit code: erase-person, vault-rotate-master-key,
national-resend, notifications failed/retry. Then every command that needs the database or the broker, with
either unreachable: one line naming it and where, exit code 2, no traceback."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import uuid

import pytest
from cryptography.exceptions import InvalidTag
from kombu import Connection, Exchange, Queue

from demo.client import LEADER_ID
from demo.roles import PAID_PEER_ID
from runtime import db
from runtime.privacy import keystore
from services.notifications.messages import smtp_message_id
from tests.support.instance import free_port, wait_until


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def master_key(encoded: str) -> bytes:
    return keystore.parse_master_key(encoded, "test")


def test_erase_person_makes_the_person_unreadable_through_the_api_and_in_the_vault(demo_loaded):
    """Guards `peer-admin erase-person`: a peer registered through the API is gone from the API (404), their key
    is destroyed and the vault records who erased them; what roles stored of them can no longer be opened."""
    running, _, _ = demo_loaded
    person, leader = str(uuid.uuid4()), str(uuid.uuid4())
    token = running.token("leader", subject=leader)
    registered = running.call("POST", "roles", "/peers", token=token, json={
        "peer_id": person, "kind": "volunteer", "title": "frivillig peer", "name": "Ellen Eksempel (demo)",
        "workplace": "Parkvænget (demo)", "leader_id": leader})
    assert registered.status_code == 201, registered.text
    assert running.call("GET", "roles", f"/peers/{person}", token=token).json()["name"] == "Ellen Eksempel (demo)"
    with db.connect(running.database_url("vault")) as conn:
        assert conn.execute("SELECT count(*) AS n FROM person_keys WHERE subject = %s", (person,)).fetchone()["n"] == 1

    refused = running.peer_admin("erase-person", "not-a-uuid", "--by", "ops-1", "--yes", COLUMNS="250")
    assert refused.returncode == 2 and "person id: a UUID" in refused.stderr
    erased = json.loads(ok(running.peer_admin("erase-person", person, "--by", "ops-1", "--yes")).strip().splitlines()[-1])
    assert erased == {"person_id": person, "keys_destroyed": True, "recorded": True}

    assert running.call("GET", "roles", f"/peers/{person}", token=token).status_code == 404
    assert person not in running.call("GET", "roles", "/peers", token=token).text
    with db.connect(running.database_url("vault")) as conn:
        assert conn.execute("SELECT count(*) AS n FROM person_keys WHERE subject = %s", (person,)).fetchone()["n"] == 0
        assert conn.execute("SELECT erased_by FROM erased_subjects WHERE subject = %s",
                            (person,)).fetchone()["erased_by"] == "ops-1"
    store = keystore.KeyStore.at(running.database_url("vault"), master_key(running.vault_master_key))
    assert store.keys([person]) == {person: None}
    with pytest.raises(keystore.SubjectErased):
        store.key_for_sealing(person)  # nothing can be sealed for them again either
    again = json.loads(ok(running.peer_admin("erase-person", person, "--by", "ops-1", "--yes")).strip().splitlines()[-1])
    assert again["keys_destroyed"] is False  # idempotent: nothing left to destroy


def test_vault_rotate_master_key_rewraps_every_key_and_back(demo_loaded):
    """Guards `peer-admin vault-rotate-master-key` on the running instance: every person key (the demo's people)
    is re-wrapped under the new key, which opens them while the old one no longer does; rotated back, the
    services (still on the old key) read the demo peer's personal data as before. Keys never reach the output."""
    running, _, _ = demo_loaded
    old, new = running.vault_master_key, base64.urlsafe_b64encode(os.urandom(32)).decode()
    url = running.database_url("vault")
    with db.connect(url) as conn:
        people = conn.execute("SELECT count(*) AS n FROM person_keys").fetchone()["n"]
    assert people >= 4  # the demo's paid peer and three volunteers at least

    missing = running.peer_admin("vault-rotate-master-key", COLUMNS="250")
    assert missing.returncode == 2 and "VAULT_NEW_MASTER_KEY" in missing.stderr
    rotated = running.peer_admin("vault-rotate-master-key", VAULT_NEW_MASTER_KEY=new)
    try:
        assert json.loads(ok(rotated)) == {"rewrapped": people}
        assert new not in rotated.stdout + rotated.stderr and old not in rotated.stdout + rotated.stderr
        assert keystore.KeyStore.at(url, master_key(new)).keys([PAID_PEER_ID])[PAID_PEER_ID]
        with pytest.raises(InvalidTag):
            keystore.KeyStore.at(url, master_key(old)).keys([PAID_PEER_ID])
        third, fourth = (base64.urlsafe_b64encode(os.urandom(32)).decode() for _ in range(2))
        wrong = running.peer_admin("vault-rotate-master-key", VAULT_MASTER_KEY=third, VAULT_NEW_MASTER_KEY=fourth,
                                   COLUMNS="250")  # a wrong current key: every stored key is foreign to it
        assert wrong.returncode == 1 and "nothing changed" in wrong.stdout, wrong.stdout + wrong.stderr
        assert keystore.KeyStore.at(url, master_key(new)).keys([PAID_PEER_ID])[PAID_PEER_ID]
    finally:
        back = running.peer_admin("vault-rotate-master-key", VAULT_MASTER_KEY=new, VAULT_NEW_MASTER_KEY=old)
    assert json.loads(ok(back)) == {"rewrapped": people}
    peer = running.call("GET", "roles", f"/peers/{PAID_PEER_ID}", token=running.token("leader", subject=LEADER_ID))
    assert peer.status_code == 200 and peer.json()["name"].endswith("(demo)"), peer.text


def test_national_resend_publishes_the_shared_facts_again_with_their_ids_and_nothing_personal(demo_loaded):
    """Guards `peer-admin national-resend`: every national fact of the store goes out again on `national.events`
    (what the uplink shovel carries), with the same event ids both times (the national side deduplicates by
    them) and without any of the demo's names; at the national instance the command is refused."""
    running, _, _ = demo_loaded
    exchange = Exchange("national.events", type="topic", durable=True)
    with Connection(running.amqp_uri) as conn:
        queue = Queue(f"resend-{uuid.uuid4().hex[:8]}", exchange, routing_key="#", exclusive=True)
        bound = queue(conn.default_channel)
        bound.declare()

        def resend() -> tuple[int, list[str], list[str]]:
            out = ok(running.peer_admin("national-resend"))
            sent = sum(json.loads(line)["resent"] for line in out.splitlines() if line.startswith("{"))
            ids, bodies = [], []
            wait_until(lambda: bound.queue_declare(passive=True).message_count >= sent, 30, 0.2,
                       message=f"{sent} national facts on national.events")
            while (message := bound.get(no_ack=True)) is not None:
                ids.append(message.properties.get("message_id"))
                bodies.append(message.body.decode() if isinstance(message.body, bytes) else str(message.body))
            return sent, ids, bodies

        first, first_ids, bodies = resend()
        second, second_ids, _ = resend()
    assert first > 0 and second == first and len(first_ids) == first and set(first_ids) == set(second_ids)
    assert all(uuid.UUID(i) for i in first_ids)
    assert not any("(demo)" in body for body in bodies), "a demo name left the instance"
    refused = running.peer_admin("national-resend", INSTANCE_ID="national", COLUMNS="250")
    assert refused.returncode == 2 and "run this at a region" in refused.stderr


def test_notifications_retry_sends_a_failed_email_again(demo_loaded):
    """Guards `peer-admin notifications failed` and `retry`: an e-mail the service gave up on (five failed
    attempts) is listed without recipient or content, and once retried the running service delivers it to the
    SMTP server again, with the same Message-ID; an id that did not fail is reported, not retried."""
    running, _, _ = demo_loaded
    url = running.database_url("notifications")

    def sent_emails():
        with db.connect(url) as conn:
            return conn.execute("SELECT id FROM deliveries WHERE channel = 'email' AND status = 'sent' "
                                "ORDER BY created_at, id").fetchall()

    wait_until(lambda: sent_emails(), 90, 0.5, message="an e-mail of the demo sent")
    delivery = str(sent_emails()[0]["id"])
    message_id = smtp_message_id(delivery, "peer.example")
    copies = running.smtp.copies_per_message_id()[message_id]
    assert copies == 1
    with db.connect(url) as conn:
        conn.execute("UPDATE deliveries SET status = 'failed', attempts = 5, last_error = 'smtp: ConnectionRefusedError'"
                     " WHERE id = %s", (delivery,))
        conn.commit()

    listed = ok(running.peer_admin("notifications", "failed", COLUMNS="250"))
    assert delivery in listed and "ConnectionRefusedError" in listed and "demo.invalid" not in listed
    other = str(uuid.uuid4())
    retried = json.loads(ok(running.peer_admin("notifications", "retry", delivery, other)))
    assert retried == {"retried": [delivery], "not_failed": [other]}
    wait_until(lambda: running.smtp.copies_per_message_id()[message_id] == 2, 60, 0.2,
               message="the retried e-mail at the SMTP server")
    with db.connect(url) as conn:
        assert conn.execute("SELECT status FROM deliveries WHERE id = %s", (delivery,)).fetchone()["status"] == "sent"
    assert delivery not in ok(running.peer_admin("notifications", "failed", COLUMNS="250"))


_QUEUE = "notifications.on_function_description"
_PERSON = "6f1d3c5e-0000-4000-8000-000000000001"


@pytest.mark.parametrize("args, broken", [
    (("national-resend",), "PG_URL"),
    (("national-resend",), "AMQP_URI"),
    (("vault-rotate-master-key",), "PG_URL"),
    (("vault-provision",), "PG_URL"),
    (("erase-person", _PERSON, "--by", "ops-1", "--yes"), "PG_URL"),
    (("notifications", "failed"), "PG_URL"),
    (("notifications", "retry", "--all"), "PG_URL"),
    (("migrate",), "PG_URL"),
    (("declare-topology",), "AMQP_URI"),
    (("rebuild", "roles"), "PG_URL"),
    (("blocked-streams", "roles"), "PG_URL"),
    (("audit-log", "roles"), "PG_URL"),
    (("dead-letters", "show", _QUEUE), "AMQP_URI"),
    (("dead-letters", "replay", _QUEUE), "AMQP_URI"),
], ids=lambda value: value if isinstance(value, str) else "-".join(value[:2]).replace(_PERSON, "id"))
def test_each_command_names_what_is_unreachable_in_one_line(running, args, broken):
    """Guards every command that needs the database or the broker: with it unreachable, one line naming it and
    where (host:port and the variable), exit code 2, no traceback, nothing changed."""
    port = free_port()
    wrong = {"PG_URL": f"postgresql://postgres@127.0.0.1:{port}",
             "AMQP_URI": f"amqp://guest:guest@127.0.0.1:{port}/"}[broken]
    named = {"PG_URL": f"PostgreSQL unreachable at 127.0.0.1:{port} (PG_URL)",
             "AMQP_URI": f"RabbitMQ unreachable at 127.0.0.1:{port} (AMQP_URI)"}[broken]
    extra = {"VAULT_NEW_MASTER_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode()}
    result = running.peer_admin(*args, timeout=90, COLUMNS="250", **extra, **{broken: wrong})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr


def test_a_wrong_instance_services_setting_is_one_line(running):
    """Guards INSTANCE_SERVICES read by every command: a service the instance cannot run is named in one line,
    exit code 2, and nothing is declared or migrated."""
    result = running.peer_admin("declare-topology", COLUMNS="250", INSTANCE_SERVICES="roles,payroll")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: INSTANCE_SERVICES: payroll not a service of region-1084 (one of roles, courses, network, notifications)"]
