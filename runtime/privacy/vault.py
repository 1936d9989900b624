"""The personal-data vault: a key per person, sealed personal fields, erasure by destroying the key.

Declared, not hand-written: a contract marks its personal fields and whose they are
(`contracts.personal.Personal(inner, subject=...)`); a service seals before it appends and opens
what it reads, for every field at once:

    vault = Vault()                                        # a nameko dependency, like `db = Database()`
    self.db.append(stream, self.vault.seal(stream, events), expected)   # plaintext -> sealed per contract
    events = self.vault.open(self.db.read_stream(stream))  # sealed -> plaintext, or "[slettet]" if erased
    return self.vault.open(row)                            # read models hold sealed values too

The contract refuses a plaintext personal value, so forgetting `seal` fails loudly. Sealed values
travel as they are (events, read models, the broker, the feed), so a projection copies them and a
rebuild reproduces the read model byte for byte.

Format: `pii:v2:<kind>:<subject>:<field>:<base64url(nonce | AES-256-GCM ciphertext+tag)>`, kind =
s(tring), l(ist), o(bject), n(umber/other) so an erased value masks to the right shape; the associated
data binds the ciphertext to kind, subject and the personal field it is (`needs`, `name`): moved to
another person or another field, or its header edited, it fails authentication. A value opens only where
its field is declared (an event's contract; a row's key), and a sealed value given as input is kept only
for the same field of the same person; so the vault is no decryption oracle. Reading never fails on a
stored value: malformed or tampered, it is masked and logged.

Keys: 256-bit data keys, one per subject (person id), in the database `<DB_PREFIX>vault` (or
`VAULT_DATABASE_URL`), apart from every event store; each wrapped by the instance master key
`VAULT_MASTER_KEY` (base64 of 32 bytes; a development key is derived when unset, with a warning).
A dump of an event store holds only ciphertext; a dump of the vault only wrapped keys. A service
refuses to start while any stored key is wrapped by another master key (`ForeignMasterKey`);
`KeyStore.rotate_master_key` (`peer-admin vault-rotate-master-key`) re-wraps them all, events untouched.

Erasure (`erase_person`, `peer-admin erase-person`, `POST /persons/<id>/erasure` on roles): the key is
deleted and the subject tombstoned (no key is ever made for it again); then `person.erased` is
appended to `person-<id>` in the roles store, whose projection, and every consumer's, forgets the
person's read-model rows (`forget`). Events are immutable and keep their ciphertext: unreadable
forever. A rebuild replays `person.erased` at its place, so rebuilt read models forget them too.

Modules, by job: this one (the `Vault` dependency, a worker's `VaultSession`), `keystore` (person keys,
the master key, provisioning), `sealing` (values and payloads by contract), `erasure` (`erase_person`,
`forget`, `person.erased`).
"""
from __future__ import annotations

import dataclasses
from typing import Iterable

from cryptography.exceptions import InvalidTag
from nameko.extensions import DependencyProvider

import contracts
from runtime import db
from runtime.eventstore import NewEvent, RecordedEvent
from runtime.privacy.keystore import KeyStore, master_key, provision, vault_url
from runtime.privacy.sealing import (SealedParts, decrypt, mask_sealed, open_payload, open_value, seal_payload, seal_value,
                                     subject_of, subjects_in, walk)


# -- vault session ------------------------------------------------------------------------------------
class VaultSession:
    """What a worker sees: seal events per their contracts, open anything, keys cached for the worker only
    (so an erasure takes effect for the next request, in every process)."""

    def __init__(self, keystore: KeyStore):
        self.keystore = keystore
        self._keys: dict[str, bytes | None] = {}

    def _key(self, subject: str) -> bytes | None:
        if subject not in self._keys:
            self._keys.update(self.keystore.keys([subject]))
        return self._keys.get(subject)

    def _seal(self, subject: str, value, field: str) -> str:
        key = self._keys.get(subject)
        if key is None:
            key = self._keys[subject] = self.keystore.key_for_sealing(subject)
        return seal_value(key, subject, value, field)

    def _authentic(self, parts: SealedParts) -> bool:
        key = self._key(parts.subject)
        if key is None:
            return False
        try:
            decrypt(key, parts)
        except (InvalidTag, ValueError):
            return False
        return True

    def seal(self, stream: str, events: Iterable[NewEvent]) -> list[NewEvent]:
        sealed = []
        for event in events:
            version = event.schema_version or contracts.latest_version(event.type)
            schema = contracts.contract(event.type, version).validator  # one instance per contract
            payload = seal_payload(schema, event.payload, stream, self._seal, self._authentic)
            sealed.append(dataclasses.replace(event, schema_version=version, payload=payload))
        return sealed

    def seal_value(self, subject: str, value, field: str) -> str:
        return self._seal(subject, value, field)

    def open(self, value, field: str | None = None):
        """A copy of `value` (dicts, lists, rows, `RecordedEvent`s) with sealed values opened or masked.

        A sealed value opens only where its own personal field is: in an event, where the event's
        contract declares that field for that subject; in a row or dict, under the key of that field
        (or a column `<what>_<field>`); `field` names it for a bare value. Anywhere else it is masked."""
        missing = subjects_in(value) - set(self._keys)
        if missing:
            self._keys.update(self.keystore.keys(missing))
        return self._open(value, field)

    def _open(self, value, key):
        if isinstance(value, RecordedEvent):
            return dataclasses.replace(value, payload=self._open_event(value))
        if isinstance(value, str):
            return self._open_one(value, key) if subject_of(value) else value
        if isinstance(value, dict):
            return {k: self._open(v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._open(v, key) for v in value]
        return value

    def _open_one(self, text: str, field: str | None, subject: str | None = None):
        return open_value(self._keys.get(subject_of(text)), text, field, subject)

    def _open_event(self, event: RecordedEvent) -> dict:
        try:
            schema = contracts.contract(event.type, event.schema_version).validator
        except (contracts.UnknownEventType, contracts.UnknownSchemaVersion):  # no contract for it here:
            return walk(event.payload, mask_sealed)  # nothing in it is declared personal
        return open_payload(schema, event.payload, event.stream, self._open_one)

    def erase(self, subject: str, erased_by: str) -> bool:
        self._keys[subject] = None
        return self.keystore.erase(subject, erased_by)


class Vault(DependencyProvider):
    """The vault as a nameko dependency: `self.vault.seal(...)`, `.open(...)`, `.erase(...)`."""

    def setup(self):
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        db.assert_green_wait()
        self.url = vault_url()
        provision(self.url)
        self.kek = master_key()
        KeyStore.at(self.url, self.kek).check_master_key()  # before serving anything
        self.pool = ConnectionPool(self.url, min_size=1, max_size=self.container.max_workers + 1,
                                   kwargs={"row_factory": dict_row, "autocommit": True}, open=True,
                                   name=f"{self.container.service_name}-vault")

    def stop(self):
        self.pool.close()

    kill = stop

    def get_dependency(self, worker_ctx):
        return VaultSession(KeyStore(self.pool.connection, self.kek))
