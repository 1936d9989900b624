"""The secrets of an instance: from the environment, never from a default.

`JWT_SECRET` (HS256 development tokens; not needed when `JWT_JWKS_URL` or `JWT_PUBLIC_KEY` verifies tokens),
`VAULT_MASTER_KEY` (wraps every person's data key), `PSEUDONYM_SECRET` (keys the national pseudonyms),
`DB_PASSWORD` (the services' runtime database roles), `VAULT_DB_PASSWORD` (the vault's runtime role) and
`CREDENTIAL_SIGNING_KEY` (the Ed25519 seed that signs the instance's Open Badges credentials, services/courses/
credentials.py; its public half is served as a JWKS).

Outside development mode a missing secret stops the process with a message naming it. In development mode
(`PEER_DEV_MODE=1`, set by the local runner `deploy/up.sh`) missing secrets are generated once per instance into
the git-ignored `var/dev-secrets/<INSTANCE_ID>.env` (or `PEER_DEV_SECRETS_FILE`) and reused by every later
process, so the services, relays and `peer-admin` of one instance agree. Values that were ever public (the
defaults and profile keys once committed to git) are refused everywhere: they are known to every attacker.
"""
from __future__ import annotations

import base64
import hashlib
import os
import secrets as random_source
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_MODE = "PEER_DEV_MODE"
DEV_SECRETS_FILE = "PEER_DEV_SECRETS_FILE"
TOKEN_KEYS = ("JWT_JWKS_URL", "JWT_PUBLIC_KEY")  # either one replaces JWT_SECRET for verification


def _random_text() -> str:
    return random_source.token_urlsafe(48)


def _random_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


SECRETS = {"JWT_SECRET": _random_text, "VAULT_MASTER_KEY": _random_key, "PSEUDONYM_SECRET": _random_text,
           # passwords of the runtime database roles (runtime/db_roles.py): the services' and the vault's
           "DB_PASSWORD": _random_text, "VAULT_DB_PASSWORD": _random_text,
           # the Ed25519 seed (32 random bytes, base64url) that signs the instance's competence credentials
           "CREDENTIAL_SIGNING_KEY": _random_key}
INPUTS = (*SECRETS, DEV_MODE, DEV_SECRETS_FILE, *TOKEN_KEYS)

# SHA-256 of every secret value that was ever published in this repository (the built-in JWT default and the
# keys of deploy/instances/*.env before they were removed): hashes, so the values are not repeated here.
PUBLIC_VALUES = frozenset({
    "72ac88d6304c302537ae820ce5cc0af8f4266476046e73ffbe271d1f7362b7c0",
    "fd10d1a89ede0af3ea00417616b9e953358e9fc70cdb95ad6bd17acf821d7152",
    "3e026706dd9b4e30f8ad30aff74c8db6339c93b282624b89415ad5d77d657686",
    "60a4a771cdc69ddd75b4e905c4a30ec3f4dc072f10762831874ca73477a27b09",
    "dce5e110d494000012e5e98a679a8ac2405a087bb64b751bb37e7db70ed67279",
    "3cc05490d848807ebd9fc9b97e6e73ecae3f1296e28570e23a1caac1fcfc2768",
    "4122bb311bace3e0c0bddff5bd38bb6a25c51ea4f46323f0538a4280ebfa04ba",
    "c6cc41e25d77fd64ec88a500c6fcb80122644da95dc833963e667065bfb8e16c",
    "7eb3609abd310d8e5f50570f06281797e2b9e61eebf4256614cff30491e3d728",
    "6f9b12f6f4d4398cbcb16c15cb0effb7cd0e932718cd748c525e902f3630dd9e",
    "c7a479a1305b2dec870629461e65243b380d312865f2f844317dc8d01b84d57c",
    "7818f703aedbac61e838c4f32e93a400759287af76c22bddd5099debc30f2772",
    "577fdbf96cb994e3ad9329e3b23d89de8fce56604da1589b319297a99461473d",
})


class ConfigurationError(RuntimeError):
    """The configuration is incomplete or wrong: the process must not start."""


@dataclass(frozen=True)
class ResolvedSecrets:
    values: dict
    sources: dict  # name -> "environment" or the development secrets file (never the value)
    dev_mode: bool


def dev_mode(env) -> bool:
    return (env.get(DEV_MODE) or "").strip().lower() in ("1", "true", "yes")


def dev_secrets_path(instance_id: str, env) -> Path:
    return Path(env.get(DEV_SECRETS_FILE) or ROOT / "var" / "dev-secrets" / f"{instance_id}.env")


def fingerprint(value: str) -> str:
    """A short, non-reversible tag to compare secrets between processes without showing them."""
    return hashlib.sha256(b"peer-platform secret fingerprint|" + value.encode()).hexdigest()[:12]


def resolve(instance_id: str, env) -> ResolvedSecrets:
    values = {name: env[name] for name in SECRETS if env.get(name)}
    sources = dict.fromkeys(values, "environment")
    needed = [name for name in SECRETS if name not in values
              and not (name == "JWT_SECRET" and any(env.get(k) for k in TOKEN_KEYS))]
    developing = dev_mode(env)
    if needed and not developing:
        raise ConfigurationError(
            f"{', '.join(needed)} not set: a secret has no default outside development mode. Set it in the "
            f"environment (deploy/README.md, production checklist), or set {DEV_MODE}=1 on a development machine"
        )
    if needed:
        path = dev_secrets_path(instance_id, env)
        generated = _development_secrets(path)
        for name in needed:
            values[name] = generated[name]
            sources[name] = str(path)
    _validate(values)
    for name, value in values.items():
        # runtime.privacy.keystore and runtime.privacy.pseudonym read the environment: they must see the values resolved here.
        os.environ.setdefault(name, value)
    return ResolvedSecrets(values, sources, developing)


def _validate(values: dict) -> None:
    for name, value in values.items():
        if hashlib.sha256(value.encode()).hexdigest() in PUBLIC_VALUES:
            raise ConfigurationError(f"{name} is a value published in this repository's history: choose a new one")
    if "JWT_SECRET" in values and len(values["JWT_SECRET"]) < 32:
        raise ConfigurationError("JWT_SECRET: at least 32 characters of randomness")
    for name in ("PSEUDONYM_SECRET", "DB_PASSWORD", "VAULT_DB_PASSWORD"):
        if len(values[name]) < 32:
            raise ConfigurationError(f"{name}: at least 32 characters of randomness")
    for name in ("VAULT_MASTER_KEY", "CREDENTIAL_SIGNING_KEY"):
        key = values[name]
        try:
            raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ConfigurationError(f"{name}: base64 of exactly 32 random bytes")


def _development_secrets(path: Path) -> dict:
    """The instance's development secrets, generated on first use; concurrent first uses agree on one file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{random_source.token_hex(4)}")
        lines = ["# Development secrets of this instance, generated on first run (PEER_DEV_MODE=1).",
                 "# Never commit this file or use these values in production (deploy/README.md)."]
        lines += [f"{name}={generate()}" for name, generate in SECRETS.items()]
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write("\n".join(lines) + "\n")
        try:
            os.link(draft, path)  # atomic and refuses to replace: the first writer wins, the others read its file
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    values = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            values[key.strip()] = value.strip()
    missing = [name for name in SECRETS if not values.get(name)]
    if missing and values.get("VAULT_MASTER_KEY"):
        # A file from before a secret was added: add the new ones, keep the rest (the master key above all).
        with path.open("a") as file:
            file.write("".join(f"{name}={SECRETS[name]()}\n" for name in missing))
        return _development_secrets(path)
    if missing:
        raise ConfigurationError(f"{path} lacks {', '.join(missing)}: add them, or delete the file to regenerate "
                                 "(a new VAULT_MASTER_KEY cannot open person keys wrapped by the old one)")
    return values
