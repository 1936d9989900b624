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
"""
from __future__ import annotations

import base64
import binascii
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
from contracts.personal import FIELD_PATTERN, LOOKS_SEALED, SEALED, STREAM, SUBJECT_PATTERN, Personal
from runtime import db, eventstore
from runtime.config import settings
from runtime.errors import Conflict, InvalidInput, PersonErased
from runtime.eventstore import ANY_VERSION, NewEvent, RecordedEvent

log = logging.getLogger(__name__)

VAULT_MIGRATIONS = Path(__file__).parents[1] / "migrations" / "vault"
MASK = "[slettet]"
MASKS = {"s": MASK, "l": [], "o": {}, "n": None}
ERASED = "person.erased"
PERSON_CATEGORY = "person"
_NONCE = 12
_TAG = 16


class SubjectErased(Conflict):
    """The person was erased: nothing may be sealed for them again."""

    def __init__(self, field: str = "person_id"):
        super().__init__("a person in this request was erased; their data can no longer be recorded",
                         [{"field": field, "reason": "the person was erased"}])


class ForeignMasterKey(RuntimeError):
    """Person keys in the vault are wrapped by another master key than the configured one."""

    def __init__(self, count: int):
        super().__init__(
            f"the vault holds {count} person key(s) wrapped by another master key than VAULT_MASTER_KEY: "
            "this service would serve every person's data as unreadable. Configure the master key these keys "
            "were wrapped with, or finish the rotation (deploy/README.md, 'Rotating the vault master key').")


# -- keys -------------------------------------------------------------------------------------------
def master_key() -> bytes:
    """The configured master key, resolved with the instance's other settings (runtime/instance_secrets.py):
    there is no fallback, so a process without one stops instead of wrapping person keys with a guessable key."""
    return parse_master_key(settings().vault_master_key, "VAULT_MASTER_KEY")


def parse_master_key(configured: str, variable: str) -> bytes:
    """A master key from its configured text (base64 of 32 bytes); the error names the variable only."""
    try:
        key = base64.urlsafe_b64decode(configured + "=" * (-len(configured) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ValueError(f"{variable}: base64 of exactly 32 random bytes")
    return key


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

    def foreign_key_count(self) -> int:
        """How many person keys are wrapped by a master key other than this store's."""
        with self._connect() as conn:
            return conn.execute("SELECT count(*) AS n FROM person_keys WHERE kek_id <> %s",
                                (kek_id(self.kek),)).fetchone()["n"]

    def check_master_key(self) -> None:
        """Refuse to serve with a master key that does not wrap the stored person keys: every read would
        mask (or fail) as if everyone had been erased. The message names no key, nor its fingerprint."""
        foreign = self.foreign_key_count()
        if foreign:
            raise ForeignMasterKey(foreign)

    def rotate_master_key(self, new_kek: bytes) -> int:
        """Re-wrap every person key wrapped by this store's master key under `new_kek`; the data keys
        themselves do not change, so no event or read model is touched. Idempotent (keys already under
        `new_kek` are skipped), so it can be rerun after services that still held the old key made
        new keys. Refuses (nothing changed) if a key is wrapped by a third master key."""
        if len(new_kek) != 32:
            raise ValueError("new master key: exactly 32 bytes")
        old_id, new_id = kek_id(self.kek), kek_id(new_kek)
        rewrapped = 0
        with self._connect() as conn:
            with conn.transaction():
                # Writers wait while keys change master: no key is made under the old one meanwhile.
                conn.execute("LOCK TABLE person_keys IN SHARE ROW EXCLUSIVE MODE")
                third = conn.execute("SELECT count(*) AS n FROM person_keys WHERE kek_id NOT IN (%s, %s)",
                                     (old_id, new_id)).fetchone()["n"]
                if third:
                    raise ForeignMasterKey(third)
                rows = conn.execute("SELECT subject, wrapped_key FROM person_keys WHERE kek_id = %s",
                                    (old_id,)).fetchall()  # ~60 bytes a person: fits in memory
                for row in rows:
                    data_key = _unwrap(self.kek, row["subject"], row["wrapped_key"])
                    conn.execute("UPDATE person_keys SET wrapped_key = %s, kek_id = %s WHERE subject = %s",
                                 (_wrap(new_kek, row["subject"], data_key), new_id, row["subject"]))
                    rewrapped += 1
        self.kek = new_kek
        return rewrapped

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


def _aad(kind: str, subject: str, field: str) -> bytes:
    return f"pii:v2:{kind}:{subject}:{field}".encode()


@dataclasses.dataclass(frozen=True)
class SealedParts:
    """A sealed value taken apart; `raw` (nonce | ciphertext+tag) is None when it is malformed, `field`
    None for a legacy v1 value (not bound to a field: never opened, shown masked)."""
    kind: str
    subject: str
    field: str | None
    raw: bytes | None

    @property
    def mask(self):
        return MASKS[self.kind]


def parse(value) -> SealedParts | None:
    """The parts of `value` if it is shaped like a sealed value, else None. Never raises."""
    match = SEALED.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    text = match.group("ct")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):  # e.g. a length no base64 can have
        raw = None
    if raw is not None and len(raw) < _NONCE + _TAG:
        raw = None
    if match.group("kind"):
        return SealedParts(match.group("kind"), match.group("subject"), match.group("field"), raw)
    return SealedParts(match.group("legacy_kind"), match.group("legacy_subject"), None, raw)


def seal_value(data_key: bytes, subject: str, value, field: str) -> str:
    """`value` sealed for `subject` as the personal field `field`: it authenticates only as that pair."""
    if not FIELD_PATTERN.match(field or ""):
        raise ValueError("field: lower-case letters, digits and '_'")
    kind = _kind(value)
    nonce = os.urandom(_NONCE)
    plaintext = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    sealed = nonce + AESGCM(data_key).encrypt(nonce, plaintext, _aad(kind, subject, field))
    return f"pii:v2:{kind}:{subject}:{field}:{base64.urlsafe_b64encode(sealed).decode().rstrip('=')}"


def _decrypt(data_key: bytes, parts: SealedParts):
    """The plaintext, or raises `InvalidTag`/`ValueError` (tampered, moved or malformed)."""
    if parts.raw is None or parts.field is None:
        raise ValueError("not an openable sealed value")
    plaintext = AESGCM(data_key).decrypt(parts.raw[:_NONCE], parts.raw[_NONCE:],
                                         _aad(parts.kind, parts.subject, parts.field))
    return json.loads(plaintext)


def open_value(data_key: bytes | None, sealed: str, field: str | None = None, subject: str | None = None):
    """The plaintext of a sealed value found where the personal field `field` (of `subject`, when known)
    belongs; the mask of its kind when the key is gone, it sits elsewhere, or it does not authenticate.
    Reading never fails on a stored value: a broken one is logged (by kind, never content) and masked."""
    parts = parse(sealed)
    if parts is None:
        return sealed
    if data_key is None:
        return parts.mask
    if parts.field is None or field is None or not _belongs(parts.field, field) or (
            subject is not None and parts.subject != subject):
        log.warning("sealed value outside its own personal field; shown masked",
                    extra={"sealed_field": parts.field, "found_in": field})
        return parts.mask
    try:
        return _decrypt(data_key, parts)
    except (InvalidTag, ValueError):
        log.error("sealed value failed authentication or is malformed; shown masked",
                  extra={"sealed_field": parts.field})
        return parts.mask


def _belongs(sealed_field: str, found_in: str) -> bool:
    """A value sealed as `needs` opens under `needs` or a read-model column named `<what>_needs`
    (`accommodation_needs`, `citizen_name`), nowhere else."""
    return found_in == sealed_field or found_in.endswith(f"_{sealed_field}")


def subject_of(value) -> str | None:
    parts = parse(value)
    return parts.subject if parts else None


def _walk(value, on_string: Callable, key: str | None = None):
    """`value` rebuilt with `on_string(text, key)` for every string; `key` is the nearest dict key above it."""
    if isinstance(value, str):
        return on_string(value, key)
    if isinstance(value, dict):
        return {k: _walk(v, on_string, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(v, on_string, key) for v in value]
    if isinstance(value, RecordedEvent):
        return dataclasses.replace(value, payload=_walk(value.payload, on_string))
    return value


def subjects_in(value) -> set[str]:
    found: set[str] = set()

    def collect(text, _key):
        subject = subject_of(text)
        if subject:
            found.add(subject)
        return text

    _walk(value, collect)
    return found


def _masked(text: str, _key=None):
    parts = parse(text)
    return parts.mask if parts else text


def mask_subject(value, subject: str):
    """`value` with every sealed value of `subject` replaced by its mask (other subjects untouched)."""
    def mask(text, _key):
        parts = parse(text)
        return parts.mask if parts and parts.subject == subject else text

    return _walk(value, mask)


# -- payloads, by contract ----------------------------------------------------------------------------
SealFn = Callable[[str, object, str], str]  # (subject, plaintext, field) -> sealed
AuthenticFn = Callable[[SealedParts], bool]  # does this sealed value authenticate under its subject's key?


def seal_payload(schema, payload: dict, stream: str, seal: SealFn, authentic: AuthenticFn | None = None) -> dict:
    """A copy of `payload` with each `Personal` field of the contract `schema` validated as plaintext and
    sealed for its subject; `InvalidInput` (field path and reason, never the value) if one is invalid.

    A value that already looks sealed is kept only in its own personal field, for the same subject,
    well-formed and (with `authentic`) authenticating; anywhere else it is refused, so nobody can
    smuggle another person's ciphertext into a field that would show it to them."""
    errors: dict = {}
    context = _Sealing(stream, seal, authentic, errors)
    sealed = _seal_fields(schema() if isinstance(schema, type) else schema, payload, context, "")
    if errors:  # paths are the contract's field names (and list indices), never caller-made keys
        listed = [{"field": path, "reason": str(reason)} for path, reasons in errors.items() for reason in reasons]
        raise InvalidInput(f"invalid fields: {', '.join(errors)}", listed)
    return sealed


@dataclasses.dataclass
class _Sealing:
    stream: str
    seal: SealFn
    authentic: AuthenticFn | None
    errors: dict


def _seal_fields(schema, data, context: _Sealing, prefix: str):
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, field in schema.fields.items():
        key = field.data_key or name
        if data.get(key) is None:
            continue
        out[key] = _seal_field(field, data[key], data, context, f"{prefix}{key}", key)
    return out


def _seal_field(field, value, siblings, context: _Sealing, path: str, key: str):
    if isinstance(field, Personal):
        return _seal_personal(field, value, siblings, context, path, key)
    if isinstance(field, fields.Nested):
        if field.many and isinstance(value, list):
            return [_seal_fields(field.schema, v, context, f"{path}[{i}].") for i, v in enumerate(value)]
        return _seal_fields(field.schema, value, context, f"{path}.")
    if isinstance(field, fields.List) and isinstance(value, list):
        return [_seal_field(field.inner, v, siblings, context, f"{path}[{i}]", key) for i, v in enumerate(value)]
    if _looks_sealed_inside(value):
        context.errors[path] = ["a sealed value belongs only in its own personal field"]
    return value


def _looks_sealed_inside(value) -> bool:
    found = []
    _walk(value, lambda text, _key: found.append(text) if LOOKS_SEALED.match(text) else text)
    return bool(found)


def _subject_for(field: Personal, siblings: dict, stream: str) -> str:
    if field.subject == STREAM:
        subject = stream.split("-", 1)[1] if "-" in stream else ""
    else:
        subject = siblings.get(field.subject) if isinstance(siblings, dict) else None
    return str(subject) if subject is not None else ""


def _seal_personal(field: Personal, value, siblings, context: _Sealing, path: str, key: str):
    errors = context.errors
    subject = _subject_for(field, siblings, context.stream)
    label = field.field_name or key
    if not SUBJECT_PATTERN.match(subject):
        errors[path] = [f"no valid subject ({field.subject}) to seal this personal field for"]
        return value
    if isinstance(value, str) and LOOKS_SEALED.match(value):
        reason = _refusal_of_sealed(parse(value), subject, label, context.authentic)
        if reason:
            errors[path] = [reason]
        return value  # already sealed, for this person and this field (copied from a stored event)
    try:
        normalised = field.validate_plaintext(value)
    except ValidationError as exc:
        errors[path] = exc.messages if isinstance(exc.messages, list) else [str(exc.messages)]
        return value
    if isinstance(normalised, (str, int, float, bool, list, dict)):
        value = normalised  # e.g. a CPR number as its 10 digits; dates and the like stay as given
    try:
        return context.seal(subject, value, label)
    except SubjectErased:
        raise SubjectErased(path) from None


def _refusal_of_sealed(parts: SealedParts | None, subject: str, label: str, authentic) -> str | None:
    """Why a sealed value given for the personal field `label` of `subject` is refused (None: kept)."""
    if parts is None or parts.raw is None:
        return "not a valid sealed value"
    if parts.field is None:
        return "a sealed value of an outdated format; send the plaintext"
    if parts.subject != subject or parts.field != label:
        return "a sealed value is accepted only for the same field of the same person"
    if authentic is not None and not authentic(parts):
        return "the sealed value does not authenticate"
    return None


def open_payload(schema, payload, stream: str, open_one: Callable[[str, str, str], object]):
    """A copy of `payload` with each `Personal` field of the contract `schema` opened by
    `open_one(sealed, field, subject)`; sealed-looking strings anywhere else are left as they are."""
    return _open_fields(schema() if isinstance(schema, type) else schema, payload, stream, open_one)


def _open_fields(schema, data, stream, open_one):
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, field in schema.fields.items():
        key = field.data_key or name
        if data.get(key) is not None:
            out[key] = _open_field(field, data[key], data, stream, open_one, key)
    return out


def _open_field(field, value, siblings, stream, open_one, key):
    if isinstance(field, Personal):
        if not isinstance(value, str):
            return value
        return open_one(value, field.field_name or key, _subject_for(field, siblings, stream))
    if isinstance(field, fields.Nested):
        if field.many and isinstance(value, list):
            return [_open_fields(field.schema, v, stream, open_one) for v in value]
        return _open_fields(field.schema, value, stream, open_one)
    if isinstance(field, fields.List) and isinstance(value, list):
        return [_open_field(field.inner, v, siblings, stream, open_one, key) for v in value]
    return value


# -- the service side -----------------------------------------------------------------------------------
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
            _decrypt(key, parts)
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
            return _walk(event.payload, _masked)  # nothing in it is declared personal
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


# -- erasure ------------------------------------------------------------------------------------------
OWNER = contracts.contract(ERASED, 1).source_service  # the service whose store records erasures (roles)


class StoreOn:
    """`append` and `read_stream` on a plain connection (the CLI), as a worker's `UnitOfWork` offers them."""

    def __init__(self, conn, metadata):
        self.conn, self.metadata = conn, metadata

    def append(self, stream: str, events, expected_version):
        return eventstore.append(self.conn, stream, events, expected_version, self.metadata)

    def read_stream(self, stream: str):
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
