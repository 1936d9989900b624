"""A service's application layer in-process, on the in-memory event store (runtime/eventstore/memory.py):
load, decide, record and publish as the service does, in milliseconds, without a database or a broker.

The vault seals and opens for real, with its keys in memory (`InMemoryKeyStore`); the SQL read models
are stood in for by `RecordingProjections`: what needs SQL (a read-model answer) stays in the e2e tests."""
from __future__ import annotations

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from runtime.eventstore.memory import InMemoryUnitOfWork
from runtime.privacy.keystore import SubjectErased
from runtime.privacy.vault import VaultSession


class InMemoryKeyStore:
    """The vault's key store (runtime/vault.KeyStore) in memory: a key per person, made on first use,
    destroyed by an erasure. The vault session around it seals and opens for real."""

    def __init__(self):
        self._keys: dict[str, bytes] = {}
        self.erased: set[str] = set()

    def keys(self, subjects) -> dict:
        return {s: self._keys.get(s) for s in subjects}

    def key_for_sealing(self, subject: str) -> bytes:
        if subject in self.erased:
            raise SubjectErased()
        return self._keys.setdefault(subject, AESGCM.generate_key(bit_length=256))

    def erase(self, subject: str, erased_by: str = "test") -> bool:
        self.erased.add(str(subject))
        return self._keys.pop(str(subject), None) is not None

    def is_erased(self, subject: str) -> bool:
        return str(subject) in self.erased


class RecordingProjections:
    """Writes what it was given into the unit of work's tables, so a test sees that the projection ran
    in the transaction of the append (and rolled back with it)."""

    @staticmethod
    def project(conn, event) -> None:
        conn.tables.setdefault("projected", {})[event.event_id] = (event.stream, event.stream_version, event.type)


def in_memory(application_base: type, projections=RecordingProjections):
    """An instance of a service's application base (e.g. services.courses.api.base.ApiBase) on memory."""
    app = type(f"InMemory{application_base.__name__}", (application_base,), {"projections": projections})()
    app.db = InMemoryUnitOfWork()
    app.vault = VaultSession(InMemoryKeyStore())
    return app
