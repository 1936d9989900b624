"""Person keys: one 256-bit data key per subject, wrapped by the instance master key, in the vault database.

See runtime/privacy/vault.py for the whole design (format, keys, erasure). A subject once erased is
tombstoned: no key is ever made for it again (`SubjectErased`).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contracts.personal import SUBJECT_PATTERN
from runtime import db
from runtime.config import settings
from runtime.errors import Conflict

log = logging.getLogger(__name__)

VAULT_MIGRATIONS = Path(__file__).parents[1] / "migrations" / "vault"
NONCE_BYTES = 12
TAG_BYTES = 16



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
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, b"vault-key|" + subject.encode())


def _unwrap(kek: bytes, subject: str, wrapped: bytes) -> bytes:
    return AESGCM(kek).decrypt(bytes(wrapped[:NONCE_BYTES]), bytes(wrapped[NONCE_BYTES:]), b"vault-key|" + subject.encode())


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
