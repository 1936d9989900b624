"""Checks a message received from the broker as a third-party consumer would: against contracts/asyncapi.json
with the standard `jsonschema` validator, in the draft AsyncAPI 2.6 schema objects declare (Draft 07)."""
from __future__ import annotations

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from contracts.asyncapi import NATIONAL_EXCHANGE, national_message_id

DOCUMENT_URI = "urn:peer-platform:asyncapi"


def message_validator(document: dict):
    """`validate(body, exchange, headers=None) -> [problem, ...]`: the body against its message's payload schema,
    the message among those the exchange's channel documents, and the AMQP headers (when given) against the
    message's headers schema."""
    registry = Registry().with_resource(DOCUMENT_URI, Resource(contents=document, specification=DRAFT7))
    validators = {
        message_id: Draft7Validator({"$ref": f"{DOCUMENT_URI}#/components/messages/{message_id}/payload"},
                                    registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)
        for message_id in document["components"]["messages"]}
    header_validators = {
        message_id: Draft7Validator({"$ref": f"{DOCUMENT_URI}#/components/messages/{message_id}/headers"},
                                    registry=registry)
        for message_id, message in document["components"]["messages"].items() if "headers" in message}

    def validate(body: dict, exchange: str, headers: dict | None = None) -> list[str]:
        message_id = f"{body.get('type')}.v{body.get('schema_version')}"
        if exchange == NATIONAL_EXCHANGE:
            message_id = national_message_id(message_id)
        elif f"{message_id}.{exchange.split('.')[0]}" in validators:
            message_id = f"{message_id}.{exchange.split('.')[0]}"  # a contract another service shares
        if message_id not in validators:
            return [f"no message {message_id} in the document"]
        documented = document["channels"].get(exchange, {}).get("subscribe", {}).get("message", {}).get("oneOf", [])
        problems = [] if {"$ref": f"#/components/messages/{message_id}"} in documented else [
            f"channel {exchange} does not document {message_id}"]
        problems += [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                     for e in validators[message_id].iter_errors(body)]
        if headers is not None and message_id in header_validators:
            problems += [f"headers {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                         for e in header_validators[message_id].iter_errors(headers)]
        return problems

    return validate
