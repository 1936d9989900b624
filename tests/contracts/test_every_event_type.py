"""Issue 9's last "done when": a captured sample of real messages of EVERY event type validates against
contracts/asyncapi.json with a standard JSON Schema validator.

One instance runs every service and relay; a capture queue is bound to every exchange the AsyncAPI document
has a channel for before anything publishes. The drivers of tests/contracts/scenario/ (one module per
service, a list of small steps; its docstring says how to add a type) use the public HTTP APIs, and through
the broker the consumers, until every registered type has been published. Each drive is a test of its own
and runs all its steps, so one failing step hides nothing. Then every captured message is validated as a
third-party consumer would: in Python with `jsonschema` (tests/contracts/asyncapi_validation.py), naming every
(type, exchange) the document promises that never came; and in JavaScript, the document read by the
official AsyncAPI parser and each message checked by ajv in its default strict mode
(tests/contracts/asyncapi_parser/validate_messages.mjs).
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
from tests.contracts.asyncapi_validation import install_official_parser, message_validator
from tests.contracts.scenario import Scenario, courses, network, roles, run_steps
from tests.support.capture import bind_capture_queue
from tests.support.instance import Instance

SERVICES = ("roles", "courses", "network", "notifications")
CAPTURE_QUEUE = "test.every-event-type.capture"
# In the order they run: network and courses wait for roles' peers; the statement for their facts.
DRIVES = {"roles": roles.STEPS, "courses": courses.STEPS, "network": network.STEPS,
          "after the others": roles.AFTER_THE_OTHERS}
ARRIVAL_TIMEOUT = 90


def expected_messages() -> set[tuple[str, str]]:
    """(event type, exchange) of the latest version of every contract: each exchange that carries it."""
    expected = set()
    for c in contracts.all_contracts():
        if c.version != contracts.latest_version(c.type):
            continue
        expected |= {(c.type, f"{service}.events") for service in c.publishers}
        if c.national:
            expected.add((c.type, asyncapi.NATIONAL_EXCHANGE))
    return expected


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    instance = Instance(services=SERVICES, workdir=tmp_path_factory.mktemp("every-event-type")).create()
    try:
        bind_capture_queue(instance.amqp_uri, CAPTURE_QUEUE, asyncapi.document()["channels"])  # every channel
        for service in SERVICES:
            instance.start_service(service)
            instance.start_relay(service)
        yield Scenario(instance)
    finally:
        instance.destroy()


@pytest.mark.parametrize("drive", list(DRIVES))
def test_drive(scenario, drive):
    failures = run_steps(scenario, DRIVES[drive])
    assert not failures, "\n".join(failures)


def capture(instance, expected: set, timeout: float = ARRIVAL_TIMEOUT) -> list[tuple[str, dict, dict]]:
    """(exchange, headers, body) of every captured message; waits (bounded) until each expected
    (type, exchange) has come, then a little longer for what follows it."""
    messages, deadline = [], time.monotonic() + timeout
    with Connection(instance.amqp_uri) as conn:
        queue = Queue(CAPTURE_QUEUE, channel=conn.default_channel)
        while time.monotonic() < deadline:
            message = queue.get(no_ack=True)
            if message is None:
                if expected <= {(body.get("type"), exchange) for exchange, _, body in messages}:
                    deadline = min(deadline, time.monotonic() + 1)
                time.sleep(0.2)
                continue
            messages.append((message.delivery_info["exchange"], dict(message.headers or {}),
                             json.loads(message.body)))
    return messages


@pytest.fixture(scope="module")
def captured(scenario):
    """Taken once, after the drives (the tests below come after them in the module)."""
    return capture(scenario.instance, expected_messages())


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
