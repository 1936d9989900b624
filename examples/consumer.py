"""An integrator's consumer: subscribes to an instance's (or the national level's) published facts with pika,
the standalone RabbitMQ client, and validates each against the AsyncAPI document (contracts/asyncapi.json).

A municipality's data warehouse starts from here: replace `handle()` with its own loading. Nothing of the
platform's Python code is imported: only pika, jsonschema and the published document.

    python examples/consumer.py --amqp amqp://guest:guest@127.0.0.1:5672/ --exchange roles.events
    python examples/consumer.py --amqp amqp://peer:peer@127.0.0.1:5690/ --exchange national.events \\
        --queue warehouse.national      # a durable queue of your own: nothing is missed while you are away

Each exchange is a topic exchange `<service>.events` (routing key = event type, JSON body = the envelope with
its `payload`). Without --queue the consumer gets a server-named queue that lives as long as it does. A message
is acked once handled; one that does not validate is printed with its problems and rejected without requeue
(into your queue's dead-letter exchange, if you gave it one). Exit code 1 when any message did not validate.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pika
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

DOCUMENT = Path(__file__).resolve().parents[1] / "contracts" / "asyncapi.json"
DOCUMENT_URI = "urn:asyncapi-document"


class AsyncApiValidator:
    """The message schemas of one AsyncAPI 2.6 document (JSON Schema Draft 07 inside), per channel."""

    def __init__(self, document: dict):
        self.document = document
        registry = Registry().with_resource(DOCUMENT_URI, Resource(contents=document, specification=DRAFT7))
        self.validators = {
            message_id: Draft7Validator({"$ref": f"{DOCUMENT_URI}#/components/messages/{message_id}/payload"},
                                        registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)
            for message_id in document["components"]["messages"]}

    def _message_id(self, channel: str, body: dict) -> str | None:
        """The channel's documented message for the body's type and schema version."""
        messages = self.document["components"]["messages"]
        for ref in self.document["channels"].get(channel, {}).get("subscribe", {}).get("message", {}).get("oneOf", []):
            message_id = ref["$ref"].rsplit("/", 1)[-1]
            payload = messages[message_id]["payload"]
            if (messages[message_id].get("name") == body.get("type")
                    and payload.get("properties", {}).get("schema_version", {}).get("const") == body.get("schema_version")):
                return message_id
        return None

    def problems(self, channel: str, body) -> list[str]:
        if not isinstance(body, dict):
            return ["the body is not a JSON object"]
        message_id = self._message_id(channel, body)
        if message_id is None:
            return [f"channel {channel} documents no message {body.get('type')!r} version {body.get('schema_version')!r}"]
        return [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:200]}"
                for e in self.validators[message_id].iter_errors(body)]


def handle(exchange: str, body: dict) -> None:
    """Where a data warehouse loads the fact. Personal fields arrive sealed (`pii:...`): they are not readable
    outside the instance, by design; national facts carry none."""
    print(f"valid {exchange} {body['type']} v{body['schema_version']} {body.get('event_id')}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--amqp", required=True, help="amqp://user:password@host:port/vhost")
    parser.add_argument("--exchange", action="append", required=True, help="e.g. roles.events (repeatable)")
    parser.add_argument("--queue", help="a durable queue of your own (default: server-named, exclusive)")
    parser.add_argument("--asyncapi", type=Path, default=DOCUMENT)
    parser.add_argument("--max", type=int, default=0, help="stop after this many messages (0: never)")
    parser.add_argument("--idle-timeout", type=float, default=0, help="stop after this many idle seconds (0: never)")
    args = parser.parse_args(argv)

    validator = AsyncApiValidator(json.loads(args.asyncapi.read_text()))
    connection = pika.BlockingConnection(pika.URLParameters(args.amqp))
    channel = connection.channel()
    if args.queue:
        queue = channel.queue_declare(args.queue, durable=True, arguments={"x-queue-type": "quorum"}).method.queue
    else:
        queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    for exchange in args.exchange:
        channel.exchange_declare(exchange, exchange_type="topic", durable=True, passive=True)  # the platform's
        channel.queue_bind(queue, exchange, routing_key="#")
    print(f"listening on {', '.join(args.exchange)} (queue {queue})", flush=True)

    seen = invalid = 0
    for method, properties, raw in channel.consume(queue, inactivity_timeout=args.idle_timeout or None):
        if method is None:  # idle for --idle-timeout seconds
            break
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        problems = validator.problems(method.exchange, body)
        if problems:
            invalid += 1
            print(f"INVALID {method.exchange} {method.routing_key} {properties.message_id}: {'; '.join(problems)}",
                  flush=True)
            channel.basic_reject(method.delivery_tag, requeue=False)
        else:
            handle(method.exchange, body)
            channel.basic_ack(method.delivery_tag)
        seen += 1
        if args.max and seen >= args.max:
            break
    channel.cancel()
    connection.close()
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
