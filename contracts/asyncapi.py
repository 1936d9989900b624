"""Generates the AsyncAPI document of every event from the same marshmallow schemas that validate them.

    python -m contracts.asyncapi > contracts/asyncapi.json   (a test fails when it is out of date)

The document targets AsyncAPI 2.6.0, whose schema objects are JSON Schema (Draft 07 and up): nullable
fields are type arrays (`["string", "null"]`, as apispec writes for OpenAPI 3.1), not OpenAPI 3.0's
`nullable`, and patterns use ECMA-262 syntax (contracts/converter.py), so standard validators and
JavaScript clients read it as the Python side means it. Each message has a `messageId`
(`<type>.v<schema version>`, `….national` on national.events, `….downlink` on the national broker's
national.broadcast / national.addressed); every exchange has a channel, also one nothing is published on yet.
"""
from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter

import contracts
from contracts.converter import add_contract_conversions
from contracts.envelope import EnvelopeSchema
from contracts.registry import DOWNLINKS

DOCUMENT = Path(__file__).with_name("asyncapi.json")
ASYNCAPI_VERSION = "2.6.0"
NATIONAL_EXCHANGE = "national.events"
# Every service has its `<service>.events` exchange, including those that publish no event yet (notifications).
SERVICES = ("roles", "courses", "network", "notifications")


def _converter() -> OpenAPIConverter:
    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: None)  # inline nested schemas
    APISpec("events", "1", "3.1.0", plugins=[plugin])  # 3.1: schemas are JSON Schema 2020-12
    return add_contract_conversions(plugin).converter


def national_message_id(message_id: str) -> str:
    return f"{message_id}.national"


ROUTING_KEYS = {DOWNLINKS["addressed"]: "`<addressee instance id>.<event type>` (one instance each)"}


def _channel(exchange: str) -> dict:
    return {"description": f"Topic exchange {exchange}; routing key = {ROUTING_KEYS.get(exchange, 'event type')}",
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": exchange, "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"}}}}


def _json_schema(converter, schema_cls) -> dict:
    # An instance, not the class: its fields are bound, with the limits `contracts.schema.Schema` adds
    # when it binds them (integers within PostgreSQL's bigint), which the class's declared fields lack.
    schema = converter.schema2jsonschema(schema_cls())
    schema["additionalProperties"] = False  # contracts refuse unknown fields (apispec says so of nested ones)
    return schema


@lru_cache(maxsize=None)
def _shared_converter() -> OpenAPIConverter:
    return _converter()


def payload_json_schema(schema_cls) -> dict:
    """The JSON Schema of a contract's payload, as this document publishes it."""
    return _json_schema(_shared_converter(), schema_cls)


def document() -> dict:
    converter = _converter()
    channels = {exchange: _channel(exchange)
                for exchange in [f"{s}.events" for s in SERVICES] + [NATIONAL_EXCHANGE, *DOWNLINKS.values()]}
    messages = {}
    for c in contracts.all_contracts():
        source = c.source_service
        name = f"{c.type}.v{c.version}"
        personal = contracts.personal_fields(c.schema)
        messages[name] = {
            "messageId": name,
            "name": c.type,
            "title": f"{c.type} (schema version {c.version})",
            "summary": c.description,
            "contentType": "application/json",
            "headers": {"type": "object", "properties": {"event_type": {"type": "string", "const": c.type}}},
            "payload": {
                # `type` beside `allOf`: validators in strict mode (ajv's default) refuse `properties`
                # on a schema that does not say it is an object.
                "type": "object",
                "allOf": [{"$ref": "#/components/schemas/Envelope"}],
                "properties": {"schema_version": {"const": c.version},
                               "payload": _json_schema(converter, c.schema)},
            },
            "x-personal-fields": personal,
            "x-national": c.national,
        }
        routes = [(f"{source}.events", name)]
        for other in c.also_published_by:
            # Another service's exchange carries it too: a message of its own there, for the same reason
            # as the national one below.
            routes.append((f"{other}.events", f"{name}.{other}"))
            messages[f"{name}.{other}"] = {**messages[name], "messageId": f"{name}.{other}"}
        if c.national:
            # The same event on the national exchange is a message of its own: a messageId is unique
            # across the document, and the official parser refuses one message in two channels.
            routes.append((NATIONAL_EXCHANGE, national_message_id(name)))
            messages[national_message_id(name)] = {**messages[name], "messageId": national_message_id(name)}
        if c.downlink:
            # The same event on the national broker's downlink exchange (national.broadcast / national.addressed).
            routes.append((DOWNLINKS[c.downlink], f"{name}.downlink"))
            messages[f"{name}.downlink"] = {**messages[name], "messageId": f"{name}.downlink"}
        for exchange, message_id in routes:
            channel = channels.setdefault(exchange, _channel(exchange))
            channel.setdefault("subscribe", {"operationId": f"receive_{exchange.replace('.', '_')}",
                                             "message": {"oneOf": []}})
            channel["subscribe"]["message"]["oneOf"].append({"$ref": f"#/components/messages/{message_id}"})
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": "Peer-support platform events", "version": "1",
                 "description": "Every event the services publish. Generated from contracts/; do not edit."},
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"schemas": {"Envelope": _json_schema(converter, EnvelopeSchema)}, "messages": messages},
    }


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
