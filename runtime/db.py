"""PostgreSQL access: connections, the green wait function, databases and their migrations."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import runtime  # noqa: F401  (pins PSYCOPG_WAIT_FUNC before psycopg is imported)
import psycopg
from psycopg import sql, waiting
from psycopg.rows import dict_row

EVENTSTORE_MIGRATIONS = Path(__file__).parent / "migrations" / "eventstore"


def assert_green_wait() -> None:
    """Fail start-up if psycopg would block eventlet's hub on a slow query."""
    if waiting.wait is not waiting.wait_select:
        raise RuntimeError(
            "psycopg uses a blocking wait function; set PSYCOPG_WAIT_FUNC=wait_select "
            "before psycopg is imported (import runtime first)"
        )


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, row_factory=dict_row, **kwargs)


def _server_and_name(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path="/postgres")), name


def create_database(url: str) -> bool:
    """Create the database of `url` if it does not exist. Returns whether it was created."""
    server, name = _server_and_name(url)
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def drop_database(url: str) -> None:
    server, name = _server_and_name(url)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def migrate(url: str, *migration_dirs: Path) -> list[str]:
    """Apply the event store's migrations and then the given ones; idempotent. Returns applied ids."""
    from yoyo import get_backend, read_migrations

    backend = get_backend(url.replace("postgresql://", "postgresql+psycopg://", 1))
    migrations = read_migrations(str(EVENTSTORE_MIGRATIONS), *(str(d) for d in migration_dirs))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    backend.connection.close()
    return [m.id for m in pending]
