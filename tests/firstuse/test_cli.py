"""`peer-admin` against a running instance (issue 14 items 2 and 3): status, demo load, the newcomer's
welcome with curl commands that work as printed, dead letters list/show/replay, exports, and one-line errors
naming what is unreachable (no traceback, exit code 2)."""
from __future__ import annotations

import json
import subprocess
import uuid

import pytest
from kombu import Connection

from tests.support.printed_curls import assert_printed_curls_show_the_demo
from tests.support.instance import free_port


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_status_shows_services_relays_queues_and_links(demo_loaded):
    """Guards `peer-admin status`: every service healthy and ready, its relay answering, the outbox drained,
    the consumer queues and dead letters listed, and the links line (no shovel on a single instance)."""
    running, _, _ = demo_loaded
    out = ok(running.peer_admin("status", COLUMNS="200"))
    for service in running.services:
        assert any(line.split("│")[1].strip() == service and line.count(" ok ") == 3
                   for line in out.splitlines() if line.count("│") > 3), out
    assert "notifications.on_function_description" in out and ".dead-letter" in out
    assert "links to the national broker" in out and "all well" in out


def test_demo_load_command_is_idempotent(demo_loaded):
    """Guards `peer-admin demo load`: run after the demo is in, it creates nothing and notes the parts
    whose service is not deployed (not stand-in data)."""
    running, _, _ = demo_loaded
    out = ok(running.peer_admin("demo", "load", COLUMNS="200"))
    assert "0 object(s) created" in out and "skipped:" in out


def test_welcome_prints_tokens_and_curl_commands_that_work_as_printed(demo_loaded):
    """Guards the newcomer's output: what answers where, a token per role in development mode, and three curl
    commands that, run exactly as printed, answer 200 with the demo's content."""
    running, _, _ = demo_loaded
    out = ok(running.peer_admin("welcome", COLUMNS="250", PEER_DEV_MODE="1"))
    assert "/openapi.json" in out and "RabbitMQ management" in out
    for role in ("peer", "coordinator", "leader", "admin", "national_coordinator"):
        assert f"\nexport TOKEN_{role.upper()}=ey" in out, out
    assert_printed_curls_show_the_demo(out)
    without_dev_mode = ok(running.peer_admin("welcome", COLUMNS="250"))
    assert "export TOKEN_" not in without_dev_mode and "$TOKEN" in without_dev_mode


def test_dead_letters_list_show_replay(running):
    """Guards `dead-letters list`, the new `dead-letters show` (why it died, payload field names but never
    their values) and `dead-letters replay` back to the consumer queue."""
    queue = "notifications.on_function_description"
    event_id = str(uuid.uuid4())
    with Connection(running.amqp_uri) as conn:
        producer = conn.Producer()
        producer.publish({"payload": {"name": "Secret Person"}, "type": "function_description.published"},
                         exchange="", routing_key=f"{queue}.dead-letter", message_id=event_id,
                         headers={"event_type": "function_description.published"}, serializer="json")
    listed = ok(running.peer_admin("dead-letters", "list", COLUMNS="250"))
    assert event_id in listed
    shown = ok(running.peer_admin("dead-letters", "show", queue, COLUMNS="250"))
    assert event_id in shown and "name" in shown and "Secret Person" not in shown
    replayed = ok(running.peer_admin("dead-letters", "replay", queue))
    assert json.loads(replayed)["replayed"] == 1  # back to its consumer (this malformed one dies again there)


def test_export_openapi_and_asyncapi(running, tmp_path):
    """Guards `export openapi <service>` (as the service serves it) and `export asyncapi`."""
    document = json.loads(ok(running.peer_admin("export", "openapi", "roles")))
    served = running.call("GET", "roles", "/openapi.json").json()
    assert document["paths"].keys() == served["paths"].keys() and "/peers" in document["paths"]
    ok(running.peer_admin("export", "asyncapi", "-o", str(tmp_path / "asyncapi.json")))
    assert json.loads((tmp_path / "asyncapi.json").read_text())["asyncapi"].startswith("2.")
    unknown = running.peer_admin("export", "openapi", "payroll")
    assert unknown.returncode == 2 and "unknown service" in unknown.stderr


def test_rebuild_every_service_with_progress(demo_loaded):
    """Guards `peer-admin rebuild` for every service of the running instance (notifications from its sources'
    feeds), while the services keep answering."""
    running, _, _ = demo_loaded
    for service in running.services:
        out = ok(running.peer_admin("rebuild", service, COLUMNS="200"))
        assert f"{service}:" in out and "events replayed" in out


@pytest.mark.parametrize("args, broken, names", [
    (("status",), "PG_URL", "PostgreSQL unreachable at 127.0.0.1:{port} (PG_URL)"),
    (("dead-letters", "list"), "AMQP_URI", "RabbitMQ unreachable at 127.0.0.1:{port} (AMQP_URI)"),
    (("demo", "load"), "HTTP_PORT_ROLES", "service unreachable: roles does not answer on http://127.0.0.1:{port}"),
])
def test_unreachable_is_one_line_naming_it(running, args, broken, names):
    """Guards the operator's error: a wrong port gives one line naming what does not answer and where, exit
    code 2, no traceback."""
    port = free_port()
    wrong = {"PG_URL": f"postgresql://postgres@127.0.0.1:{port}", "AMQP_URI": f"amqp://guest:guest@127.0.0.1:{port}/",
             "HTTP_PORT_ROLES": str(port)}[broken]
    result = running.peer_admin(*args, timeout=60, COLUMNS="250", **{broken: wrong})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and names.format(port=port) in lines[0], result.stderr


def test_idempotent_and_read_only_commands_answer_on_the_running_instance(demo_loaded):
    """Guards the operator commands not covered above, each against the running instance: migrate and
    declare-topology again (idempotent), vault-provision, mint-token, pseudonym, config (no secret values),
    blocked-streams, audit-log, notifications failed."""
    running, _, _ = demo_loaded
    assert "0 migration(s) applied" in ok(running.peer_admin("migrate", "--service", "roles"))
    assert "declared notifications.on_function_description" in ok(running.peer_admin("declare-topology"))
    assert "ready" in ok(running.peer_admin("vault-provision"))
    token = ok(running.peer_admin("mint-token", "--sub", str(uuid.uuid4()), "--role", "coordinator")).strip()
    assert running.call("GET", "roles", "/peers", token=token).status_code == 200
    person = str(uuid.uuid4())
    first, second = (ok(running.peer_admin("pseudonym", person)).strip() for _ in range(2))
    assert first == second and person not in first
    config = json.loads(ok(running.peer_admin("config")))
    assert config["instance_id"] == running.instance_id and running.jwt_secret not in json.dumps(config)
    for args in (("blocked-streams", "network"), ("audit-log", "roles"), ("notifications", "failed")):
        ok(running.peer_admin(*args, COLUMNS="200"))
