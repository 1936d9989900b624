"""`peer-admin rebuild notifications`: a service with no events of its own is rebuilt from its sources' feeds."""
import subprocess
import sys
import uuid

import pytest

from runtime import db
from tests.support.function_description_delivery import inbox_subjects
from tests.support.instance import ROOT, Instance, wait_until

KNOWN = "SELECT * FROM known_peers ORDER BY id"


@pytest.fixture
def instance(tmp_path):
    created = Instance(services=("roles", "courses", "network", "notifications"), workdir=tmp_path).create()
    yield created
    created.destroy()


def publish_with_a_peer(instance, workplace):
    """A description with a peer under it (the peer and their leader are told), published."""
    description = instance.call("POST", "roles", "/function-descriptions", json={"workplace": workplace}).json()
    peer = {"kind": "paid", "title": "peer-medarbejder", "name": "Pia Peer", "workplace": workplace,
            "leader_id": str(uuid.uuid4()), "function_description_id": description["id"]}
    assert instance.call("POST", "roles", "/peers", roles=("coordinator",), json=peer).status_code == 201
    path = f"/function-descriptions/{description['id']}"
    instance.call("PATCH", "roles", f"{path}/local-fields", json={"fields": {
        "organisational_placement": "Socialpsykiatrien", "nearest_leader": "Lene", "mentor": "Mette",
        "internal_partners": ["Teamet"]}})
    instance.call("PUT", "roles", f"{path}/support-mode", json={"support_mode": "individual"})
    assert instance.call("POST", "roles", f"{path}/publish", json={}).status_code == 200


def test_peer_admin_rebuilds_notifications_from_the_sources_feeds(instance):
    """Guards issue 8 item 2 (every service rebuildable): `peer-admin rebuild notifications` replays the roles,
    courses and network feeds through its handlers (each source must answer). What it knows of others' facts is rebuilt; the inbox and the send
    ledger record what was sent, so they are kept, and the replay sends nothing a second time (issue 13)."""
    for service in ("roles", "courses", "network"):
        instance.start_service(service)
        instance.start_relay(service)
    instance.start_service("notifications")
    publish_with_a_peer(instance, "Parkvænget")
    wait_until(lambda: len(inbox_subjects(instance)) == 2, message="peer and leader notified through the broker")
    url = instance.database_url("notifications")
    with db.connect(url) as conn:  # a read model gone wrong: one fact lost, one that no event explains
        before = conn.execute(KNOWN).fetchall()
        inbox_before = conn.execute("SELECT * FROM inbox_messages ORDER BY id").fetchall()
        ledger_before = conn.execute("SELECT count(*) AS n FROM deliveries").fetchone()["n"]
        conn.execute("DELETE FROM known_peers")
        conn.execute("INSERT INTO known_peers (id) VALUES (%s)", (uuid.uuid4(),))

    result = subprocess.run([sys.executable, "-m", "admin.cli", "rebuild", "notifications"], cwd=ROOT,
                            env=instance.env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "notifications:" in result.stdout and "events replayed" in result.stdout
    with db.connect(url) as conn:
        assert conn.execute(KNOWN).fetchall() == before
        assert conn.execute("SELECT * FROM inbox_messages ORDER BY id").fetchall() == inbox_before
        assert conn.execute("SELECT count(*) AS n FROM deliveries").fetchone()["n"] == ledger_before
        positions = {r["consumer"] for r in conn.execute("SELECT consumer FROM feed_checkpoints").fetchall()}
    assert positions == {"notifications.on_person", "notifications.on_function_description",
                         "notifications.on_courses", "notifications.on_network"}
    # And the live path still applies the next event exactly once.
    publish_with_a_peer(instance, "Tredje sted")
    wait_until(lambda: len(inbox_subjects(instance)) == 4, message="the next event after the rebuild")
