"""`AMQP_URI` naming several brokers (`amqp://a;amqp://b`, the nodes of a cluster): every client of the runtime
fails over to the next one that answers. kombu (and so nameko's consumers, RPC and dispatchers) does it by itself;
the outbox relay's own publisher (runtime/messaging/publisher.py) parsed the whole string as one URL and so never
reached the second broker. A real broker: the shared node, in a vhost of its own, behind a port nobody listens on."""
import uuid

import pytest
from kombu import Connection

from runtime.messaging.publisher import ConfirmingPublisher
from tests.support.instance import Instance, free_port


@pytest.fixture
def vhost(tmp_path):
    instance = Instance(services=(), workdir=tmp_path).create()
    yield instance
    instance.destroy()


def dead_first(amqp_uri: str) -> str:
    """The same broker, named second, after one that refuses every connection."""
    dead = amqp_uri.replace(amqp_uri.split("@", 1)[1].split("/", 1)[0], f"127.0.0.1:{free_port()}", 1)
    return f"{dead};{amqp_uri}"


def test_broker_uris_splits_a_failover_list():
    from runtime.messaging.publisher import broker_uris

    assert broker_uris("amqp://a:1/x") == ["amqp://a:1/x"]
    assert broker_uris("amqp://u:p@a:1/v; amqp://u:p@b:2/v;") == ["amqp://u:p@a:1/v", "amqp://u:p@b:2/v"]


def test_the_relay_publisher_fails_over_to_the_next_broker(vhost):
    uri = dead_first(vhost.amqp_uri)
    queue = f"test.failover.{uuid.uuid4().hex[:8]}"
    with Connection(vhost.amqp_uri) as conn:
        channel = conn.default_channel
        channel.exchange_declare("failover.events", "topic", durable=True, auto_delete=False)
        channel.queue_declare(queue, durable=True)
        channel.queue_bind(queue, "failover.events", "#")
    publisher = ConfirmingPublisher(uri)
    try:
        publisher.declare_exchange("failover.events")
        ids = [str(uuid.uuid4()) for _ in range(3)]
        for message_id in ids:
            publisher.publish("failover.events", "thing.happened", {"event_id": message_id}, message_id, {})
        assert publisher.wait_for_confirms() == []
    finally:
        publisher.close()
    with Connection(uri) as conn:  # kombu, as nameko uses it, takes the same list
        channel = conn.default_channel
        received = []
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            received.append(message.properties["message_id"])
    assert received == ids


def test_no_broker_password_of_a_failover_list_reaches_a_log_line():
    """nameko logs `Error connecting to broker at <AMQP_URI>` masking only the first URL's password; with a
    cluster's three nodes the other two passwords were in the log (seen in tests/scaleout/test_cluster.py)."""
    import logging

    from runtime.logs import JsonFormatter

    uri = "amqp://peer:s3cret@10.0.0.1:5672/;amqp://peer:s3cret@10.0.0.2:5672/;amqp://peer:p%40ss@rabbit-3:5672/v"
    record = logging.makeLogRecord({"name": "nameko.messaging", "levelno": logging.WARNING, "levelname": "WARNING",
                                    "msg": "Error connecting to broker at %s (%s).", "args": (uri, "refused")})
    line = JsonFormatter().format(record)
    assert "s3cret" not in line and "p%40ss" not in line
    assert "10.0.0.2:5672" in line and "rabbit-3:5672/v" in line


def test_status_reads_the_shovels_at_the_next_node_when_the_first_is_down(vhost):
    """`peer-admin status` asks the management API of the first node that answers (admin/endpoints.py
    `managements`): with the list read as one URL it asked the first node only, for a vhost named after the rest."""
    from admin.status import shovels

    dead = vhost.amqp_uri.replace(vhost.amqp_uri.split("@", 1)[1].split("/", 1)[0], "127.0.0.1:1", 1)
    assert shovels(f"{dead};{vhost.amqp_uri}", {}) == []  # a fresh vhost has no shovel, and it was asked
    assert shovels(dead, {}) == "management API unreachable at http://127.0.0.1:10001"


def test_peer_admin_config_masks_every_password_of_a_failover_list(tmp_path):
    """`peer-admin config` masked the password of the first URL only: a cluster's other nodes' were printed."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    uri = "amqp://peer:s3cret@rabbitmq-1:5672/;amqp://peer:s3cret@rabbitmq-2:5672/;amqp://peer:p%40ss@rabbitmq-3:5672/"
    env = {**os.environ, "AMQP_URI": uri, "PEER_DEV_MODE": "1", "PEER_DEV_SECRETS_FILE": str(tmp_path / "dev.env")}
    out = subprocess.run([sys.executable, "-c", "from admin.cli import app; app()", "config"], env=env,
                         cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "s3cret" not in out.stdout and "p%40ss" not in out.stdout
    assert "amqp://peer:***@rabbitmq-1:5672/;amqp://peer:***@rabbitmq-2:5672/;amqp://peer:***@rabbitmq-3:5672/" \
        in out.stdout
