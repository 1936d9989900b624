"""The integrators' example (issue 14 item 5): examples/consumer.py subscribes with pika to a running
instance's published facts and validates each against contracts/asyncapi.json."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kombu import Connection

ROOT = Path(__file__).resolve().parents[2]


def test_example_consumer_validates_real_facts_and_refuses_a_malformed_one(running):
    """Guards that the example accepts what the instance really publishes (a function description adopted
    through the roles API, published by its relay) and refuses a message the document does not allow."""
    consumer = subprocess.Popen(
        [sys.executable, "examples/consumer.py", "--amqp", running.amqp_uri, "--exchange", "roles.events",
         "--idle-timeout", "8"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert consumer.stdout.readline().startswith("listening on roles.events"), consumer.stdout.read()
        adopted = running.call("POST", "roles", "/function-descriptions", json={"workplace": "Eksempel (demo)"})
        assert adopted.status_code == 201, adopted.text
        with Connection(running.amqp_uri) as conn:
            conn.Producer().publish(json.dumps({"type": "function_description.adopted", "schema_version": 1,
                                                "payload": {"workplace": 7}}),
                                    exchange="roles.events", routing_key="function_description.adopted",
                                    content_type="application/json", message_id="malformed-1")
        out, _ = consumer.communicate(timeout=90)
    finally:
        consumer.kill()
    lines = out.strip().splitlines()
    assert any(line.startswith("valid roles.events function_description.adopted v1 ") for line in lines), out
    refused = [line for line in lines if line.startswith("INVALID ")]
    assert len(refused) == 1 and "malformed-1: " in refused[0] and "payload/workplace: 7 is not of type 'string'" in refused[0], out
    assert all(line.startswith("valid ") for line in lines if line not in refused), out
    assert consumer.returncode == 1
