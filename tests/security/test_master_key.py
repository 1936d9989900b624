"""The vault master key: rotation re-wraps person keys without touching events (issue 8 item 9, the
vault half), and a service refuses to start on person keys wrapped by another master key (item 20)."""
import base64
import os
import subprocess
import sys
import uuid

import pytest
from cryptography.exceptions import InvalidTag

from runtime import db
from runtime.privacy import keystore
from tests.support.instance import ROOT, wait_until

PEER, LEADER = str(uuid.uuid4()), str(uuid.uuid4())
NEEDS = ["Rolige opgaver", "Tid til overgange"]


def _events(instance) -> list[dict]:
    with db.connect(instance.database_url("roles")) as conn:
        return conn.execute("SELECT * FROM events ORDER BY global_position").fetchall()


def _rotate(instance, new_key: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "admin.cli", "vault-rotate-master-key"], cwd=ROOT,
                          env=instance.env(VAULT_NEW_MASTER_KEY=new_key), capture_output=True, text=True, timeout=120)


def _needs(instance) -> list[str]:
    answer = instance.call("GET", "roles", f"/peers/{PEER}/accommodation-needs",
                           token=instance.token("leader", subject=LEADER))
    assert answer.status_code == 200, answer.text
    return answer.json()["needs"]


def test_rotation_rewraps_every_key_and_a_service_on_the_old_key_refuses_to_start(instance):
    """Guards item 9 (vault half): `peer-admin vault-rotate-master-key` re-wraps every person key under
    the new master key; afterwards the old key opens no key, the new one does, the data reads the same
    and not one event changed. Guards item 20: a service whose master key wraps none of the stored
    person keys (here: still the old one) refuses to start with a clear message holding no key
    material, instead of serving everyone's data as unreadable."""
    instance.start_service("roles")
    leader = instance.token("leader", subject=LEADER)
    assert instance.call("POST", "roles", "/peers", token=leader, json={
        "peer_id": PEER, "kind": "paid", "title": "peer-støttemedarbejder", "name": "Peter Peer",
        "workplace": "Parkvænget", "leader_id": LEADER}).status_code == 201
    assert instance.call("PUT", "roles", f"/peers/{PEER}/accommodation-needs", token=leader,
                         json={"needs": NEEDS}).status_code == 200
    events_before = _events(instance)
    old_key = instance.vault_master_key
    new_key = base64.urlsafe_b64encode(os.urandom(32)).decode()

    rotated = _rotate(instance, new_key)
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert '"rewrapped": 1' in rotated.stdout
    assert old_key not in rotated.stdout + rotated.stderr and new_key not in rotated.stdout + rotated.stderr
    again = _rotate(instance, new_key)  # idempotent: nothing left under the old key
    assert again.returncode == 0 and '"rewrapped": 0' in again.stdout, again.stdout + again.stderr

    url = instance.database_url("vault")
    with pytest.raises(InvalidTag):
        keystore.KeyStore.at(url, keystore.parse_master_key(old_key, "old")).keys([PEER])
    assert keystore.KeyStore.at(url, keystore.parse_master_key(new_key, "new")).keys([PEER])[PEER] is not None
    assert _events(instance) == events_before  # not one event touched

    # The running service still holds the old key: restarted on it, it refuses to start.
    instance.processes["roles"].stop()
    refused = instance.start_service("roles", wait=False)
    wait_until(lambda: not refused.running, timeout=60, message="roles refusing to start")
    log = refused.log()
    assert "wrapped by another master key" in log and "Rotating the vault master key" in log
    assert old_key not in log and new_key not in log
    assert keystore.kek_id(keystore.parse_master_key(old_key, "old")) not in log

    # On the new key it starts, and the data reads as before.
    instance.vault_master_key = new_key
    instance.start_service("roles")
    assert _needs(instance) == NEEDS


def test_rotation_refuses_when_a_key_is_wrapped_by_a_third_master_key(instance):
    """Guards the rotation against mixing: a key wrapped by neither the current nor the new master key
    means the wrong current key is configured; nothing is re-wrapped."""
    url = instance.database_url("vault")
    stray = keystore.KeyStore.at(url, os.urandom(32))
    stray.key_for_sealing("someone")
    current = keystore.KeyStore.at(url, keystore.parse_master_key(instance.vault_master_key, "current"))
    current.key_for_sealing("someone-else")
    refused = _rotate(instance, base64.urlsafe_b64encode(os.urandom(32)).decode())
    assert refused.returncode == 1 and "nothing changed" in refused.stdout + refused.stderr
    assert current.keys(["someone-else"])["someone-else"] is not None  # still under the current key
