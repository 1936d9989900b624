"""Instance configuration: one instance = one set of variables, read from one source.

Every process of an instance (services, relays, `peer-admin`, `deploy/up.sh`, the test support) resolves its
settings here, in this order: the environment, then a git-ignored `./.env` at the repository root (local
overrides and secrets; Compose reads the same file), then the instance's profile
`deploy/instances/<INSTANCE_ID>.env` (non-secret settings only; the container image has neither file, compose
passes the profile as `env_file`).
Secrets never have a default: see runtime/instance_secrets.py.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from runtime import db_roles, instance_secrets
from runtime.instance_secrets import ConfigurationError

INSTANCE_ID_PATTERN = re.compile(r"^(region-108[1-5]|kommune-\d{4}|national)$")
DEFAULT_INSTANCE = "region-1084"
ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "deploy" / "instances"
LOCAL_ENV = ROOT / ".env"
REQUIRED = ("AMQP_URI", "PG_URL", "DB_PREFIX")
# Every variable settings() depends on: the cache key (tests change the environment between calls).
_INPUTS = ("INSTANCE_ID", *REQUIRED, "LOG_LEVEL", *instance_secrets.INPUTS)


@dataclass(frozen=True)
class Settings:
    instance_id: str
    amqp_uri: str
    pg_url: str
    db_prefix: str
    jwt_secret: str | None  # None when tokens are verified with JWT_JWKS_URL / JWT_PUBLIC_KEY only
    vault_master_key: str
    pseudonym_secret: str
    log_level: str
    dev_mode: bool
    secret_sources: dict

    database_passwords: dict = field(repr=False, default_factory=dict)

    def database_url(self, service: str) -> str:
        """What the processes connect with: the service's (or the vault's) runtime role (runtime/db_roles.py)."""
        override = os.environ.get(f"{service.upper()}_DATABASE_URL")
        if override:
            return override
        return db_roles.runtime_url(self.pg_url, self.database_roles(service), self.database_password(service))

    def migration_url(self, service: str) -> str:
        """What migrations and rebuilds run with: the administrator of PG_URL acting as the owner role."""
        return db_roles.owner_url(self.pg_url, self.database_roles(service))

    def database_roles(self, service: str) -> db_roles.DatabaseRoles:
        return db_roles.roles_for(self.db_prefix, service)

    def database_password(self, service: str) -> str:
        return self.database_passwords["vault" if service == "vault" else "services"]


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines (comments and blank lines skipped), the format `source`, honcho and compose all read."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", key):
            raise ConfigurationError(f"{path}:{number}: not a KEY=value line")
        values[key] = value
    return values


def profile_path(instance_id: str) -> Path:
    return PROFILES / f"{instance_id}.env"


def settings() -> Settings:
    return _settings(tuple(os.environ.get(name) for name in _INPUTS))


@lru_cache(maxsize=32)
def _settings(inputs: tuple) -> Settings:
    env = {k: v for k, v in zip(_INPUTS, inputs) if v is not None}
    if LOCAL_ENV.is_file():
        env = {**read_env_file(LOCAL_ENV), **env}
    instance_id = env.get("INSTANCE_ID") or DEFAULT_INSTANCE
    if not INSTANCE_ID_PATTERN.match(instance_id):
        raise ConfigurationError(
            f"INSTANCE_ID {instance_id!r} is not an instance id: expected region-1081..1085, "
            "kommune-<4 digits> or national"
        )
    profile = profile_path(instance_id)
    values = read_env_file(profile) if profile.is_file() else {}
    leaked = sorted(set(values) & set(instance_secrets.SECRETS))
    if leaked:
        raise ConfigurationError(f"{profile}: a profile holds no secrets; remove {', '.join(leaked)}")
    values.update({k: v for k, v in env.items() if v})
    missing = [name for name in REQUIRED if not values.get(name)]
    if missing:
        raise ConfigurationError(f"{', '.join(missing)} not set: neither in the environment nor in {profile}")
    secrets = instance_secrets.resolve(instance_id, env)
    return Settings(
        instance_id=instance_id,
        amqp_uri=values["AMQP_URI"],
        pg_url=values["PG_URL"],
        db_prefix=values["DB_PREFIX"],
        jwt_secret=secrets.values.get("JWT_SECRET"),
        vault_master_key=secrets.values["VAULT_MASTER_KEY"],
        pseudonym_secret=secrets.values["PSEUDONYM_SECRET"],
        log_level=values.get("LOG_LEVEL", "INFO"),
        dev_mode=secrets.dev_mode,
        secret_sources=secrets.sources,
        database_passwords={"services": secrets.values["DB_PASSWORD"], "vault": secrets.values["VAULT_DB_PASSWORD"]},
    )
