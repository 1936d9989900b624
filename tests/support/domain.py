"""Pure-domain helpers: run commands against an aggregate without a database, as a service does."""
from __future__ import annotations

import contracts
from runtime.privacy import sealing


def fake_seal(subject, value, field) -> str:
    """Stands in for the vault: the shape of a sealed value, without a key."""
    return f"pii:v2:s:{subject}:{field}:{'A' * 43}"


def decide(aggregate, events):
    """Apply `events` (a command's result) to `aggregate`, validating each against its contract as
    the service would store it: personal fields validated as plaintext, then sealed."""
    for event in events:
        version = contracts.latest_version(event.type)
        sealed = sealing.seal_payload(contracts.contract(event.type, version).schema, event.payload,
                                    aggregate.stream, fake_seal)
        contracts.validate_payload(event.type, version, sealed)
        aggregate.apply(event.type, event.payload)
        aggregate.version += 1
    return events


def types(events) -> list[str]:
    return [e.type for e in events]
