"""Schemathesis over every service's OpenAPI document, against the real services, with a token of each role.

Guards issue 9: no input gives a 5xx, and every answer (status code, content type, body) is one the document
describes; the events the fuzzed writes publish are captured from the broker and each validates against
contracts/asyncapi.json with a standard JSON Schema validator, as a third-party consumer would check them.

Bounded for CI on a 2-core machine: a few positive and negative examples per operation (schemathesis's examples
and fuzzing phases; its coverage phase alone took minutes here), one worker, a fixed seed, no shrinking; each
(service, role) run may take at most RUN_TIMEOUT seconds. Each role fuzzes the operations it may call, so the
generated requests reach the handlers instead of stopping at 403; the public ones are fuzzed once, without a token.
"""
from __future__ import annotations

import json
import time

import pytest
from kombu import Connection, Queue

from contracts import asyncapi
from tests.contracts.asyncapi_validation import message_validator
from tests.support.capture import bind_capture_queue
from tests.support.fuzzing import fuzz
from tests.support.instance import Instance

SERVICES = ("roles", "courses", "network", "notifications")
EXAMPLES_PER_OPERATION = 5
PHASES = "examples,fuzzing"
RUN_TIMEOUT = 120
CAPTURE_QUEUE = "test.fuzzing.capture"


@pytest.fixture(scope="module")
def fuzzed_instance(tmp_path_factory):
    instance = Instance(services=SERVICES, workdir=tmp_path_factory.mktemp("fuzzing")).create()
    try:
        bind_capture_queue(instance.amqp_uri, CAPTURE_QUEUE, [f"{service}.events" for service in SERVICES])
        for service in SERVICES:
            instance.start_service(service)
            instance.start_relay(service)
        yield instance
    finally:
        instance.destroy()


def settle(instance, quiet: float = 1.5, timeout: float = 20) -> None:
    """Wait (bounded) until the relays have published what the fuzzing wrote: the capture queue stops growing."""
    deadline, last, still_since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        depth = instance.queue_depth(CAPTURE_QUEUE)
        if depth != last:
            last, still_since = depth, time.monotonic()
        elif time.monotonic() - still_since >= quiet:
            return
        time.sleep(0.2)


@pytest.mark.parametrize("service", SERVICES)
def test_no_server_error_and_every_answer_documented(fuzzed_instance, service, tmp_path):
    fuzz(fuzzed_instance, service, tmp_path, EXAMPLES_PER_OPERATION, PHASES, RUN_TIMEOUT)


@pytest.fixture(scope="module")
def fuzzed_national(tmp_path_factory):
    """The national instance's own service (the picture, national events), with its relay."""
    instance = Instance("national", ("national",), tmp_path_factory.mktemp("fuzzing-national")).create()
    try:
        instance.start_service("national")
        instance.start_relay("national")
        yield instance
    finally:
        instance.destroy()


def test_the_national_service_answers_no_server_error_and_every_answer_documented(fuzzed_national, tmp_path):
    fuzz(fuzzed_national, "national", tmp_path, EXAMPLES_PER_OPERATION, PHASES, RUN_TIMEOUT)


def test_published_events_match_the_asyncapi_document(fuzzed_instance):
    """Runs after the fuzzing above (module order): what it wrote was published; check every message."""
    validate = message_validator(asyncapi.document())
    settle(fuzzed_instance)
    seen, problems = set(), []
    with Connection(fuzzed_instance.amqp_uri) as conn:
        queue = Queue(CAPTURE_QUEUE, channel=conn.default_channel)
        for _ in range(5000):  # bounded: the fuzzing writes far fewer
            message = queue.get(no_ack=True)
            if message is None:
                break
            body = json.loads(message.body)
            seen.add(body.get("type"))
            problems += [f"{body.get('type')}: {p}" for p in validate(body, message.delivery_info["exchange"])]
    assert seen, "the fuzzing published no event to check"
    assert not problems, "\n".join(sorted(set(problems))[:30])
