"""Pure-domain helpers for the roles rules: run commands against an aggregate as the service does,
validating each new event against its contract (personal fields sealed by a stand-in for the vault)."""
from __future__ import annotations

import contracts
from runtime import vault


def fake_seal(subject, value, field) -> str:
    return f"pii:v2:s:{subject}:{field}:{'A' * 43}"


def decide(aggregate, stream: str, events):
    for event in events:
        version = contracts.latest_version(event.type)
        sealed = vault.seal_payload(contracts.contract(event.type, version).schema, event.payload, stream, fake_seal)
        contracts.validate_payload(event.type, version, sealed)
        aggregate.apply(event.type, event.payload)
        aggregate.version += 1
    return events


def types(events) -> list[str]:
    return [e.type for e in events]
