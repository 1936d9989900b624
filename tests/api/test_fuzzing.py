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
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from kombu import Connection, Queue

from contracts import asyncapi
from runtime.http.auth import ROLES
from tests.contracts.asyncapi_validation import message_validator
from tests.support.capture import bind_capture_queue
from tests.support.instance import Instance

SERVICES = ("roles", "courses", "network", "notifications")
SCHEMATHESIS = str(Path(sys.executable).with_name("st"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
EXAMPLES_PER_OPERATION = "5"
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


def operations_for(document: dict, role: str) -> list[str]:
    """The operations `role` may call; "public": those anyone may (fuzzed once, without a token)."""
    return [op["operationId"] for ops in document["paths"].values() for op in ops.values()
            if role in op["x-allowed-roles"]]


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
    fuzz(fuzzed_instance, service, tmp_path)


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
    fuzz(fuzzed_national, "national", tmp_path)


def fuzz(fuzzed_instance, service: str, tmp_path) -> None:
    document = requests.get(fuzzed_instance.url(service, "/openapi.json"), timeout=10).json()
    failures = []
    for role in ("public", *ROLES):
        operations = operations_for(document, role)
        if not operations:
            continue
        token = [] if role == "public" else ["-H", f"Authorization: Bearer {fuzzed_instance.token(role)}"]
        command = [SCHEMATHESIS, "run", fuzzed_instance.url(service, "/openapi.json"), *token, "--checks", CHECKS,
                   "--max-examples", EXAMPLES_PER_OPERATION, "--seed", "9", "--workers", "1", "--no-shrink",
                   "--phases", "examples,fuzzing", "--request-timeout", "10",
                   "--include-operation-id-regex", "^(" + "|".join(operations) + ")$"]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=tmp_path)
        except subprocess.TimeoutExpired:
            failures.append(f"{service} as {role}: schemathesis ran over {RUN_TIMEOUT}s")
            continue
        if run.returncode != 0:
            failures.append(f"{service} as {role}:\n{run.stdout[-4000:]}\n{run.stderr[-1000:]}")
    assert not failures, "\n\n".join(failures)


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
