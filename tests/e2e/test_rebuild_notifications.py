"""`peer-admin rebuild notifications`: a service with no events of its own is rebuilt from its sources' feeds."""
import subprocess
import sys
import uuid

from runtime import db
from tests.e2e.test_catchup import inbox_subjects, publish_description
from tests.support.instance import ROOT, wait_until


def test_peer_admin_rebuilds_notifications_from_the_roles_feed(instance):
    """Guards issue 8 item 2 (every service rebuildable): `peer-admin rebuild notifications` crashed, as the
    service has no projections module; now it replays the roles feed through its handlers, with the inbox."""
    instance.start_service("roles")
    instance.start_relay("roles")
    instance.start_service("notifications")
    publish_description(instance, "Parkvænget")
    wait_until(lambda: len(inbox_subjects(instance)) == 2, message="notified through the broker")
    url = instance.database_url("notifications")
    with db.connect(url) as conn:  # a read model gone wrong: one message lost, one that no event explains
        before = conn.execute("SELECT * FROM inbox_messages ORDER BY id").fetchall()
        conn.execute("DELETE FROM inbox_messages WHERE id = %s", (before[0]["id"],))
        conn.execute("INSERT INTO inbox_messages (id, recipient_role, subject, body, source_event, created_at) "
                     "VALUES (%s, 'peer', 'stray', 'stray', %s, now())", (uuid.uuid4(), uuid.uuid4()))

    result = subprocess.run([sys.executable, "-m", "runtime.cli", "rebuild", "notifications"], cwd=ROOT,
                            env=instance.env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "notifications:" in result.stdout and "events replayed" in result.stdout
    with db.connect(url) as conn:
        assert conn.execute("SELECT * FROM inbox_messages ORDER BY id").fetchall() == before
        positions = {r["consumer"] for r in conn.execute("SELECT consumer FROM feed_checkpoints").fetchall()}
    assert positions == {"notifications.on_person", "notifications.on_function_description"}
    # And the live path still applies the next event exactly once.
    publish_description(instance, "Tredje sted")
    wait_until(lambda: len(inbox_subjects(instance)) == 4, message="the next event after the rebuild")
