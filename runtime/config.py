"""Instance configuration, read from the environment (12-factor): one instance = one set of variables."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

SERVICES = ("roles", "courses", "network", "notifications")
# Run only at the national instance: the national aggregator holds no personal data (no vault), a
# trust boundary of its own (docs/architecture.md, "The national service").
NATIONAL_SERVICES = ("national",)
INSTANCE_ID_PATTERN = re.compile(r"^(region-108[1-5]|kommune-\d{4}|national)$")


def services_of(instance_id: str) -> tuple[str, ...]:
    """The services an instance runs: every instance the common ones, the national one also its own."""
    return SERVICES + (NATIONAL_SERVICES if instance_id == "national" else ())


@dataclass(frozen=True)
class Settings:
    instance_id: str
    amqp_uri: str
    pg_url: str
    db_prefix: str
    jwt_secret: str
    log_level: str

    def database_url(self, service: str) -> str:
        override = os.environ.get(f"{service.upper()}_DATABASE_URL")
        if override:
            return override
        return f"{self.pg_url.rstrip('/')}/{self.db_prefix}{service}"


def settings() -> Settings:
    instance_id = os.environ.get("INSTANCE_ID", "region-1084")
    if not INSTANCE_ID_PATTERN.match(instance_id):
        raise ValueError(
            f"INSTANCE_ID {instance_id!r} is not an instance id: expected region-1081..1085, "
            "kommune-<4 digits> or national"
        )
    return Settings(
        instance_id=instance_id,
        amqp_uri=os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
        pg_url=os.environ.get("PG_URL", "postgresql://postgres@127.0.0.1:5432"),
        db_prefix=os.environ.get("DB_PREFIX", "peer_"),
        jwt_secret=os.environ.get("JWT_SECRET", "development-secret-change-me-in-production"),
        log_level=os.environ.get("LOG_LEVEL", "INFO"),
    )
