"""Issue 9's last "done when": a captured sample of real messages of EVERY event type validates against
contracts/asyncapi.json with a standard JSON Schema validator.

One instance runs every service and relay (and, once the national instance publishes events of its own, a
national instance beside it on the multi-region topology); a capture queue is bound to every exchange the
AsyncAPI document has a channel for, at each broker, before anything publishes. The drivers of tests/contracts/scenario/ (one module per
service, a list of small steps; its docstring says how to add a type) use the public HTTP APIs, and through
the broker the consumers, until every registered type has been published. Each drive is a test of its own
and runs all its steps, so one failing step hides nothing. Then every captured message is validated as a
third-party consumer would: in Python with `jsonschema` (tests/contracts/asyncapi_validation.py), naming every
(type, exchange) the document promises that never came; and in JavaScript, the document read by the
official AsyncAPI parser and each message checked by ajv with every strict check on
(tests/contracts/asyncapi_parser/validate_messages.mjs). Measured here: about 25-60 s (the topology, where it
runs, adds about 20 s).
"""
from __future__ import annotations

import json
import subprocess
import time

import pytest
from kombu import Connection, Queue

import contracts
from contracts import asyncapi
from contracts.envelope import read_envelope
from admin.services import NATIONAL_SERVICES
from tests.contracts.asyncapi_validation import documented_messages, install_official_parser, message_validator
from tests.contracts.scenario import Scenario, catalogue, courses, national, network, roles, run_steps
from services.courses import credentials
from tests.support.capture import bind_capture_queue
from tests.support.foreign_issuer import ForeignIssuer
from tests.support.instance import Instance

SERVICES = ("roles", "courses", "network", "notifications")
REGION = "region-1084"
CAPTURE_QUEUE = "test.every-event-type.capture"
# Events the national instance publishes itself (national events, the downlink to the regions): then the region
# and the national instance run on the multi-region topology (tests/support/topology.py), linked as deployed.
NATIONAL_PUBLISHES = any(c.source_service in NATIONAL_SERVICES for c in contracts.all_contracts())
# In the order they run: network and courses wait for roles' peers; the statement for their facts.
DRIVES = {"roles": roles.STEPS, "courses": courses.STEPS, "network": network.STEPS,
          **({"national": national.STEPS, "catalogue": catalogue.STEPS} if NATIONAL_PUBLISHES else {}),
          "after the others": roles.AFTER_THE_OTHERS}
ARRIVAL_TIMEOUT = 90


def expected_messages() -> set[tuple[str, str]]:
    """(event type, exchange) of the latest version of every contract, on each channel that documents it."""
    document = asyncapi.document()
    return {(event_type, exchange) for exchange in document["channels"]
            for (event_type, version) in documented_messages(document, exchange)
            if version == contracts.latest_version(event_type)}


@pytest.fixture(scope="module")
def scenario(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("every-event-type")
    if NATIONAL_PUBLISHES:
        topology = request.getfixturevalue("topology")
        region = Instance(REGION, SERVICES, workdir, broker=topology[REGION])
        national_instance = Instance("national", NATIONAL_SERVICES, workdir, broker=topology["national"])
    else:
        region, national_instance = Instance(REGION, SERVICES, workdir), None
    instances = [i for i in (region, national_instance) if i is not None]
    foreign_issuer = ForeignIssuer()
    region.environment[credentials.ISSUERS] = foreign_issuer.trusted
    try:
        for instance in instances:  # every channel, bound before anything publishes
            instance.create()
            bind_capture_queue(instance.amqp_uri, CAPTURE_QUEUE, asyncapi.document()["channels"])
        for instance in instances:
            for service in instance.services:
                instance.start_service(service)
                instance.start_relay(service)
        yield Scenario(region, national=national_instance, foreign_issuer=foreign_issuer)
    finally:
        foreign_issuer.close()
        for instance in instances:
            if instance.broker is not None:  # a topology node outlives the test: leave no capture queue there
                with Connection(instance.amqp_uri) as conn:
                    conn.default_channel.queue_delete(CAPTURE_QUEUE)
            instance.destroy()


@pytest.mark.parametrize("drive", list(DRIVES))
def test_drive(scenario, drive):
    failures = run_steps(scenario, DRIVES[drive])
    assert not failures, "\n".join(failures)


def capture(instances, expected: set, timeout: float = ARRIVAL_TIMEOUT) -> list[tuple[str, dict, dict]]:
    """(exchange, headers, body) of every message captured at each instance's broker; waits (bounded) until each
    expected (type, exchange) has come, then a little longer for what follows it."""
    messages, deadline = [], time.monotonic() + timeout
    connections = [Connection(instance.amqp_uri) for instance in instances]
    try:
        queues = [Queue(CAPTURE_QUEUE, channel=conn.default_channel) for conn in connections]
        while time.monotonic() < deadline:
            got = [message for message in (queue.get(no_ack=True) for queue in queues) if message is not None]
            messages += [(m.delivery_info["exchange"], dict(m.headers or {}), json.loads(m.body)) for m in got]
            if not got:
                if expected <= {(body.get("type"), exchange) for exchange, _, body in messages}:
                    deadline = min(deadline, time.monotonic() + 1)
                time.sleep(0.2)
    finally:
        for conn in connections:
            conn.release()
    return messages


@pytest.fixture(scope="module")
def captured(scenario):
    """Taken once, after the drives (the tests below come after them in the module)."""
    return capture([i for i in (scenario.instance, scenario.national) if i is not None], expected_messages())


def read_by_the_product(body: dict) -> list[str]:
    """What the product's own consumers make of it: `read_envelope` would dead-letter what it refuses."""
    try:
        read_envelope(body)
    except contracts.ContractError as error:
        return [f"read_envelope refuses it: {error}"]
    return []


def test_every_event_type_is_published_and_matches_the_asyncapi_document(captured):
    validate = message_validator(asyncapi.document())
    problems = sorted({f"{body.get('type')} on {exchange}: {problem}" for exchange, headers, body in captured
                       for problem in validate(body, exchange, headers) + read_by_the_product(body)})
    seen = {(body.get("type"), exchange) for exchange, _, body in captured}
    never = sorted(f"{t} on {exchange}" for t, exchange in expected_messages() - seen)
    report = []
    if problems:
        report.append(f"{len(problems)} captured message(s) do not match contracts/asyncapi.json:\n  "
                      + "\n  ".join(problems[:40]))
    if never:
        report.append(f"{len(never)} registered type(s) were never published (drive them in "
                      f"tests/contracts/scenario/, or remove a dead contract):\n  " + "\n  ".join(never))
    assert not report, "\n\n".join(report)


def test_every_captured_message_passes_the_official_parser_and_ajv(captured, tmp_path):
    assert captured, "nothing was captured"
    installed = install_official_parser()
    sample = tmp_path / "messages.jsonl"
    sample.write_text("".join(json.dumps({"exchange": exchange, "headers": headers, "body": body}) + "\n"
                              for exchange, headers, body in captured))
    run = subprocess.run(["node", "validate_messages.mjs", str(asyncapi.DOCUMENT), str(sample)], cwd=installed,
                         capture_output=True, text=True, timeout=180)
    problems = sorted(set(run.stdout.splitlines()[:-1]))
    assert run.returncode == 0, "\n".join(problems[:40]) + run.stdout[-500:] + run.stderr[-2000:]
