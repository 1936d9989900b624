"""Checks a message received from the broker as a third-party consumer would: against contracts/asyncapi.json
with the standard `jsonschema` validator, in the draft AsyncAPI 2.6 schema objects declare (Draft 07); and
installs the official AsyncAPI parser (with ajv, the validator JavaScript clients use) for the same checks
in JavaScript (tests/contracts/asyncapi_parser/)."""
from __future__ import annotations

import filecmp
import shutil
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7


DOCUMENT_URI = "urn:peer-platform:asyncapi"
PINNED = Path(__file__).with_name("asyncapi_parser")
INSTALLED = Path(__file__).resolve().parents[2] / "var" / "asyncapi-parser"


def install_official_parser() -> Path:
    """`@asyncapi/parser` and ajv from the npm registry, pinned by tests/contracts/asyncapi_parser/'s
    package-lock, installed with `npm ci` into var/ (ignored) with the scripts there; the directory to run
    them in. Skips, saying why, only if node/npm are missing or the registry cannot be reached."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm are not installed")
    lock = INSTALLED / "package-lock.json"
    installed = (INSTALLED / "node_modules" / "@asyncapi" / "parser").is_dir() and lock.exists() and filecmp.cmp(
        lock, PINNED / "package-lock.json", shallow=False)
    if not installed:
        INSTALLED.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(PINNED / name, INSTALLED / name)
        try:
            run = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=INSTALLED,
                                 capture_output=True, text=True, timeout=240)
        except subprocess.TimeoutExpired:
            pytest.skip("npm ci timed out: the npm registry is not reachable from here")
        if run.returncode != 0:
            if any(s in run.stderr for s in ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "network")):
                pytest.skip(f"the npm registry is not reachable: {run.stderr[-300:]}")
            pytest.fail(f"npm ci failed:\n{run.stderr[-2000:]}")
    for script in PINNED.glob("*.mjs"):
        shutil.copyfile(script, INSTALLED / script.name)
    return INSTALLED


def documented_messages(document: dict, exchange: str) -> dict[tuple[str, int], str]:
    """(event type, schema version) -> message id, of the messages the exchange's channel documents: a consumer
    finds a message's schema by what the message says of itself, whatever suffix its id has there."""
    refs = document["channels"].get(exchange, {}).get("subscribe", {}).get("message", {}).get("oneOf", [])
    found = {}
    for ref in refs:
        message_id = ref["$ref"].rsplit("/", 1)[-1]
        message = document["components"]["messages"][message_id]
        found[(message["name"], message["payload"]["properties"]["schema_version"]["const"])] = message_id
    return found


def message_validator(document: dict):
    """`validate(body, exchange, headers=None) -> [problem, ...]`: the message among those the exchange's
    channel documents, the body against that message's payload schema, and the AMQP headers (when given)
    against its headers schema."""
    registry = Registry().with_resource(DOCUMENT_URI, Resource(contents=document, specification=DRAFT7))
    validators = {
        message_id: Draft7Validator({"$ref": f"{DOCUMENT_URI}#/components/messages/{message_id}/payload"},
                                    registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)
        for message_id in document["components"]["messages"]}
    header_validators = {
        message_id: Draft7Validator({"$ref": f"{DOCUMENT_URI}#/components/messages/{message_id}/headers"},
                                    registry=registry)
        for message_id, message in document["components"]["messages"].items() if "headers" in message}
    channels = {exchange: documented_messages(document, exchange) for exchange in document["channels"]}

    def validate(body: dict, exchange: str, headers: dict | None = None) -> list[str]:
        if exchange not in channels:
            return [f"no channel {exchange} in the document"]
        message_id = channels[exchange].get((body.get("type"), body.get("schema_version")))
        if message_id is None:
            return [f"channel {exchange} documents no {body.get('type')} v{body.get('schema_version')}"]
        problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                    for e in validators[message_id].iter_errors(body)]
        if headers is not None and message_id in header_validators:
            problems += [f"headers {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                         for e in header_validators[message_id].iter_errors(headers)]
        return problems

    return validate
