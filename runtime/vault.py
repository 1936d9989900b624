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

Format: `pii:v1:<kind>:<subject>:<base64url(nonce | AES-256-GCM ciphertext+tag)>`, kind = s(tring),
l(ist), o(bject), n(umber/other) so an erased value masks to the right shape; the associated data
binds the ciphertext to kind and subject (moving it to another person fails authentication).

Keys: 256-bit data keys, one per subject (person id), in the database `<DB_PREFIX>vault` (or
`VAULT_DATABASE_URL`), apart from every event store; each wrapped by the instance master key
`VAULT_MASTER_KEY` (base64 of 32 bytes; a development key is derived when unset, with a warning).
A dump of an event store holds only ciphertext; a dump of the vault only wrapped keys.

Erasure (`erase_person`, `peer-admin erase-person`, `POST /persons/<id>/erasure` on roles): the key is
deleted and the subject tombstoned (no key is ever made for it again); then `person.erased` is
appended to `person-<id>` in the roles store, whose projection, and every consumer's, forgets the
person's read-model rows (`forget`). Events are immutable and keep their ciphertext: unreadable
forever. A rebuild replays `person.erased` at its place, so rebuilt read models forget them too.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from marshmallow import ValidationError, fields
from nameko.extensions import DependencyProvider
from psycopg.types.json import Jsonb

import contracts
from contracts.personal import SEALED, STREAM, SUBJECT_PATTERN, Personal
from runtime import db
from runtime.config import settings
from runtime.errors import Conflict, InvalidInput, PersonErased
from runtime.eventstore import ANY_VERSION, NewEvent, RecordedEvent

log = logging.getLogger(__name__)

VAULT_MIGRATIONS = Path(__file__).parent / "migrations" / "vault"
MASK = "[slettet]"
MASKS = {"s": MASK, "l": [], "o": {}, "n": None}
ERASED = "person.erased"
PERSON_CATEGORY = "person"
_NONCE = 12


class SubjectErased(Conflict):
    """The person was erased: nothing may be sealed for them again."""

    def __init__(self, field: str = "person_id"):
        super().__init__("a person in this request was erased; their data can no longer be recorded",
                         [{"field": field, "reason": "the person was erased"}])


# -- keys -------------------------------------------------------------------------------------------
_warned_master = False


def master_key() -> bytes:
    global _warned_master
    configured = os.environ.get("VAULT_MASTER_KEY")
    if configured:
        key = base64.urlsafe_b64decode(configured + "=" * (-len(configured) % 4))
        if len(key) != 32:
            raise ValueError("VAULT_MASTER_KEY: base64 of exactly 32 random bytes")
        return key
    if not _warned_master:
        log.warning("VAULT_MASTER_KEY is not set: using a development master key (never in production)")
        _warned_master = True
    return hashlib.sha256(f"peer-platform development vault {settings().instance_id}".encode()).digest()


def kek_id(kek: bytes) -> str:
    return hashlib.sha256(b"kek-id|" + kek).hexdigest()[:16]


def _wrap(kek: bytes, subject: str, data_key: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, b"vault-key|" + subject.encode())


def _unwrap(kek: bytes, subject: str, wrapped: bytes) -> bytes:
    return AESGCM(kek).decrypt(bytes(wrapped[:_NONCE]), bytes(wrapped[_NONCE:]), b"vault-key|" + subject.encode())


def vault_url() -> str:
    return settings().database_url("vault")


def provision(url: str | None = None) -> None:
    """Create the vault database and its tables if missing (idempotent, safe to race)."""
    import psycopg
    from yoyo import get_backend, read_migrations

    url = url or vault_url()
    server, name = db._server_and_name(url)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"provision:{name}",))
        try:
            db.create_database(url)
            backend = get_backend(url.replace("postgresql://", "postgresql+psycopg://", 1))
            migrations = read_migrations(str(VAULT_MIGRATIONS))
            with backend.lock():
                backend.apply_migrations(backend.to_apply(migrations))
            backend.connection.close()
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"provision:{name}",))


class KeyStore:
    """Per-person data keys in the vault database; `connect()` yields an autocommit connection."""

    def __init__(self, connect: Callable, kek: bytes | None = None):
        self._connect = connect
        self.kek = kek or master_key()

    @classmethod
    def at(cls, url: str | None = None, kek: bytes | None = None) -> "KeyStore":
        url = url or vault_url()

        @contextmanager
        def connect():
            with db.connect(url, autocommit=True) as conn:
                yield conn

        return cls(connect, kek)

    def keys(self, subjects: Iterable[str]) -> dict[str, bytes | None]:
        """The data key of each subject; None for a subject erased (or never given a key)."""
        subjects = sorted(set(subjects))
        if not subjects:
            return {}
        with self._connect() as conn:
            rows = conn.execute("SELECT subject, wrapped_key FROM person_keys WHERE subject = ANY(%s)",
                                (subjects,)).fetchall()
        found = {r["subject"]: _unwrap(self.kek, r["subject"], r["wrapped_key"]) for r in rows}
        return {s: found.get(s) for s in subjects}

    def key_for_sealing(self, subject: str) -> bytes:
        """The subject's key, created on first use; `SubjectErased` if the subject was erased."""
        if not SUBJECT_PATTERN.match(subject or ""):
            raise ValueError("subject: 1-64 letters, digits, '-' or '_'")
        with self._connect() as conn:
            row = conn.execute("SELECT wrapped_key FROM person_keys WHERE subject = %s", (subject,)).fetchone()
            if row:
                return _unwrap(self.kek, subject, row["wrapped_key"])
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"vault:{subject}",))
                if conn.execute("SELECT 1 FROM erased_subjects WHERE subject = %s", (subject,)).fetchone():
                    raise SubjectErased()
                data_key = AESGCM.generate_key(bit_length=256)
                conn.execute("INSERT INTO person_keys (subject, wrapped_key, kek_id) VALUES (%s, %s, %s) "
                             "ON CONFLICT (subject) DO NOTHING",
                             (subject, _wrap(self.kek, subject, data_key), kek_id(self.kek)))
                row = conn.execute("SELECT wrapped_key FROM person_keys WHERE subject = %s", (subject,)).fetchone()
            return _unwrap(self.kek, subject, row["wrapped_key"])

    def erase(self, subject: str, erased_by: str) -> bool:
        """Destroy the subject's key and tombstone them; True if a key existed. Idempotent."""
        if not SUBJECT_PATTERN.match(subject or ""):
            raise ValueError("subject: 1-64 letters, digits, '-' or '_'")
        with self._connect() as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"vault:{subject}",))
                deleted = conn.execute("DELETE FROM person_keys WHERE subject = %s RETURNING subject",
                                       (subject,)).fetchone()
                conn.execute("INSERT INTO erased_subjects (subject, erased_by) VALUES (%s, %s) "
                             "ON CONFLICT (subject) DO NOTHING", (subject, erased_by))
            try:  # reclaim the dead row now rather than at the next autovacuum (backups: docs/security.md)
                conn.execute("VACUUM person_keys")
            except Exception as exc:  # best effort: autovacuum gets there too
                log.warning("vacuum after erasure failed", extra={"error": type(exc).__name__})
        return deleted is not None

    def is_erased(self, subject: str) -> bool:
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM erased_subjects WHERE subject = %s", (subject,)).fetchone() is not None


# -- values -----------------------------------------------------------------------------------------
def _kind(value) -> str:
    if isinstance(value, str):
        return "s"
    if isinstance(value, list):
        return "l"
    if isinstance(value, dict):
        return "o"
    return "n"


def _aad(kind: str, subject: str) -> bytes:
    return f"pii:v1:{kind}:{subject}".encode()


def seal_value(data_key: bytes, subject: str, value) -> str:
    kind = _kind(value)
    nonce = os.urandom(_NONCE)
    plaintext = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    sealed = nonce + AESGCM(data_key).encrypt(nonce, plaintext, _aad(kind, subject))
    return f"pii:v1:{kind}:{subject}:{base64.urlsafe_b64encode(sealed).decode().rstrip('=')}"


def open_value(data_key: bytes | None, sealed: str):
    """The plaintext of a sealed value, or the mask of its kind when the key is gone."""
    match = SEALED.match(sealed)
    if match is None:
        return sealed
    kind, subject, text = match.group("kind"), match.group("subject"), match.group("ct")
    if data_key is None:
        return MASKS[kind]
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    try:
        plaintext = AESGCM(data_key).decrypt(raw[:_NONCE], raw[_NONCE:], _aad(kind, subject))
    except InvalidTag:
        log.error("sealed value failed authentication; shown masked", extra={"subject": subject})
        return MASKS[kind]
    return json.loads(plaintext)


def subject_of(value) -> str | None:
    match = SEALED.match(value) if isinstance(value, str) else None
    return match.group("subject") if match else None


def _walk(value, on_string: Callable):
    if isinstance(value, str):
        return on_string(value)
    if isinstance(value, dict):
        return {k: _walk(v, on_string) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(v, on_string) for v in value]
    if isinstance(value, RecordedEvent):
        return dataclasses.replace(value, payload=_walk(value.payload, on_string))
    return value


def subjects_in(value) -> set[str]:
    found: set[str] = set()

    def collect(text):
        subject = subject_of(text)
        if subject:
            found.add(subject)
        return text

    _walk(value, collect)
    return found


def mask_subject(value, subject: str):
    """`value` with every sealed value of `subject` replaced by its mask (other subjects untouched)."""
    def mask(text):
        match = SEALED.match(text)
        return MASKS[match.group("kind")] if match and match.group("subject") == subject else text

    return _walk(value, mask)


# -- payloads, by contract ----------------------------------------------------------------------------
def seal_payload(schema, payload: dict, stream: str, seal: Callable[[str, object], str]) -> dict:
    """A copy of `payload` with each `Personal` field of the contract `schema` validated as plaintext and
    sealed for its subject; `InvalidInput` (field path and reason, never the value) if one is invalid."""
    errors: dict = {}
    sealed = _seal_fields(schema() if isinstance(schema, type) else schema, payload, stream, seal, "", errors)
    if errors:  # paths are the contract's field names (and list indices), never caller-made keys
        listed = [{"field": path, "reason": str(reason)} for path, reasons in errors.items() for reason in reasons]
        raise InvalidInput(f"invalid fields: {', '.join(errors)}", listed)
    return sealed


def _seal_fields(schema, data, stream, seal, prefix, errors):
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, field in schema.fields.items():
        key = field.data_key or name
        if data.get(key) is None:
            continue
        path = f"{prefix}{key}"
        out[key] = _seal_field(field, data[key], data, stream, seal, path, errors)
    return out


def _seal_field(field, value, siblings, stream, seal, path, errors):
    if isinstance(field, Personal):
        return _seal_personal(field, value, siblings, stream, seal, path, errors)
    if isinstance(field, fields.Nested):
        if field.many and isinstance(value, list):
            return [_seal_fields(field.schema, v, stream, seal, f"{path}[{i}].", errors) for i, v in enumerate(value)]
        return _seal_fields(field.schema, value, stream, seal, f"{path}.", errors)
    if isinstance(field, fields.List) and isinstance(value, list):
        return [_seal_field(field.inner, v, siblings, stream, seal, f"{path}[{i}]", errors)
                for i, v in enumerate(value)]
    return value


def _seal_personal(field: Personal, value, siblings, stream, seal, path, errors):
    if isinstance(value, str) and SEALED.match(value):
        return value  # already sealed (copied from a stored event)
    if field.subject == STREAM:
        subject = stream.split("-", 1)[1] if "-" in stream else ""
    else:
        subject = siblings.get(field.subject)
    subject = str(subject) if subject is not None else ""
    if not SUBJECT_PATTERN.match(subject):
        errors[path] = [f"no valid subject ({field.subject}) to seal this personal field for"]
        return value
    try:
        normalised = field.validate_plaintext(value)
    except ValidationError as exc:
        errors[path] = exc.messages if isinstance(exc.messages, list) else [str(exc.messages)]
        return value
    if isinstance(normalised, (str, int, float, bool, list, dict)):
        value = normalised  # e.g. a CPR number as its 10 digits; dates and the like stay as given
    try:
        return seal(subject, value)
    except SubjectErased:
        raise SubjectErased(path) from None


# -- the service side -----------------------------------------------------------------------------------
class VaultSession:
    """What a worker sees: seal events per their contracts, open anything, keys cached for the worker only
    (so an erasure takes effect for the next request, in every process)."""

    def __init__(self, keystore: KeyStore):
        self.keystore = keystore
        self._keys: dict[str, bytes | None] = {}

    def _seal(self, subject: str, value) -> str:
        key = self._keys.get(subject)
        if key is None:
            key = self._keys[subject] = self.keystore.key_for_sealing(subject)
        return seal_value(key, subject, value)

    def seal(self, stream: str, events: Iterable[NewEvent]) -> list[NewEvent]:
        sealed = []
        for event in events:
            version = event.schema_version or contracts.latest_version(event.type)
            schema = contracts.contract(event.type, version).schema
            sealed.append(dataclasses.replace(event, schema_version=version,
                                              payload=seal_payload(schema, event.payload, stream, self._seal)))
        return sealed

    def seal_value(self, subject: str, value) -> str:
        return self._seal(subject, value)

    def open(self, value):
        """A copy of `value` (dicts, lists, rows, `RecordedEvent`s) with sealed values opened or masked."""
        missing = subjects_in(value) - set(self._keys)
        if missing:
            self._keys.update(self.keystore.keys(missing))
        return _walk(value, lambda text: open_value(self._keys.get(subject_of(text)), text)
                     if subject_of(text) else text)

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
        self.pool = ConnectionPool(self.url, min_size=1, max_size=self.container.max_workers + 1,
                                   kwargs={"row_factory": dict_row, "autocommit": True}, open=True,
                                   name=f"{self.container.service_name}-vault")

    def stop(self):
        self.pool.close()

    kill = stop

    def get_dependency(self, worker_ctx):
        return VaultSession(KeyStore(self.pool.connection, self.kek))


# -- erasure ------------------------------------------------------------------------------------------
OWNER = contracts.contract(ERASED, 1).source_service  # the service whose store records erasures (roles)


class StoreOn:
    """`append` and `read_stream` on a plain connection (the CLI), as a worker's `UnitOfWork` offers them."""

    def __init__(self, conn, metadata):
        self.conn, self.metadata = conn, metadata

    def append(self, stream: str, events, expected_version):
        from runtime import eventstore

        return eventstore.append(self.conn, stream, events, expected_version, self.metadata)

    def read_stream(self, stream: str):
        from runtime import eventstore

        return eventstore.read_stream(self.conn, stream)


@dataclasses.dataclass
class Erasure:
    subject: str
    keys_destroyed: bool
    recorded: bool  # False when the erasure had been recorded before (a repeated request)
    events: list[RecordedEvent]


def erase_person(store, session: VaultSession, subject: str, basis: str, erased_by: str) -> Erasure:
    """Destroy the person's key, then record `person.erased` (once) in `store` (a `UnitOfWork`, or
    anything with `append` and `read_stream`). The key goes first: if recording fails, the data is
    already unreadable, and repeating the request records it."""
    keys_destroyed = session.erase(subject, erased_by)
    stream = f"{PERSON_CATEGORY}-{subject}"
    if any(e.type == ERASED for e in store.read_stream(stream)):
        return Erasure(subject, keys_destroyed, False, [])
    events = store.append(stream, [NewEvent(ERASED, {"basis": basis, "keys_destroyed": keys_destroyed})],
                          ANY_VERSION)
    log.info("person erased", extra={"subject": subject, "keys_destroyed": keys_destroyed})
    return Erasure(subject, keys_destroyed, True, events)


def erased_subject(event) -> str | None:
    """The person id if `event` (a `RecordedEvent` or an envelope) is a `person.erased`, else None."""
    event_type = event.type if isinstance(event, RecordedEvent) else event.get("type")
    stream = event.stream if isinstance(event, RecordedEvent) else event.get("stream", "")
    if event_type != ERASED:
        return None
    return stream.split("-", 1)[1]


def forget(conn, subject: str, *, delete: Iterable[tuple[str, str]] = (),
           mask: Iterable[tuple[str, str, str]] = ()) -> dict[str, int]:
    """Forget a person in a service's read models, as its projection's answer to `person.erased`:
    `delete` = (table, person-id column): rows about the person go; `mask` = (table, key column,
    column): sealed values of the person inside other rows (e.g. a leader named in a description)
    become the mask. Returns the rows touched per table. Identifiers come from code, never input."""
    from psycopg import sql

    touched: dict[str, int] = {}
    for table, column in delete:
        result = conn.execute(sql.SQL("DELETE FROM {} WHERE {}::text = %s").format(
            sql.Identifier(table), sql.Identifier(column)), (subject,))
        touched[table] = touched.get(table, 0) + result.rowcount
    marker = f"%:{subject}:%"
    for table, key, column in mask:
        rows = conn.execute(sql.SQL("SELECT {key} AS key, {col} AS value FROM {t} WHERE {col}::text LIKE %s FOR UPDATE")
                            .format(key=sql.Identifier(key), col=sql.Identifier(column), t=sql.Identifier(table)),
                            (marker,)).fetchall()
        for row in rows:
            masked = mask_subject(row["value"], subject)
            if masked == row["value"]:
                continue
            conn.execute(sql.SQL("UPDATE {t} SET {col} = %s WHERE {key} = %s").format(
                t=sql.Identifier(table), col=sql.Identifier(column), key=sql.Identifier(key)),
                (masked if isinstance(masked, str) else Jsonb(masked), row["key"]))
            touched[table] = touched.get(table, 0) + 1
    return touched


def refuse_commands_on_erased(session: VaultSession, stream: str, person_streams: dict[str, str]) -> None:
    """A stream that *is* a person (its category a key of `person_streams`, whose value is the field that
    names them) takes no new event once that person was erased: 410, so no command (even one carrying no
    personal field, which the sealing would have refused) brings back a row about them."""
    category, _, entity_id = stream.partition("-")
    if category in person_streams and session.keystore.is_erased(entity_id):
        raise PersonErased(person_streams[category])
