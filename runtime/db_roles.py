"""Least-privilege database roles: who owns a service's database, and what its processes may do in it.

Per database (`<DB_PREFIX><service>`, and `<DB_PREFIX>vault` for the personal-data keys):
- `<database>_owner` (NOLOGIN) owns the database and every object in it. Migrations and rebuilds run as it
  (the administrator of PG_URL logs in and takes the role), so only it could ALTER or DISABLE a trigger.
- `<database>_app` (LOGIN, not superuser, no CREATEDB/CREATEROLE, not a member of the owner) is what services
  and relays connect as: SELECT and INSERT on the append-only tables (events, audit_log), read and write on the
  read models and the runtime's bookkeeping, read-only on the migration history, no TRUNCATE anywhere, no DDL.
  Not being superuser it cannot set session_replication_role; not being owner it cannot disable a trigger.
The vault's runtime role is a separate role with its own password (VAULT_DB_PASSWORD); no other role may
connect to the vault database, and the services' roles only to their own database.
Grants are re-applied by every `peer-admin migrate`, so a table added by a later migration is covered.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

APPEND_ONLY_TABLES = ("events", "audit_log")
MIGRATION_HISTORY = ("_yoyo_migration", "_yoyo_log", "_yoyo_version")  # yoyo_lock stays writable: start-up checks


@dataclass(frozen=True)
class DatabaseRoles:
    database: str
    owner: str
    runtime: str


def roles_for(db_prefix: str, service: str) -> DatabaseRoles:
    database = f"{db_prefix}{service}"
    return DatabaseRoles(database, f"{database}_owner", f"{database}_app")


def _with(url: str, *, user: str | None = None, password: str | None = None, database: str | None = None,
          role: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if user is not None:
        host = netloc.rsplit("@", 1)[-1]
        netloc = f"{quote(user, safe='')}{':' + quote(password, safe='') if password else ''}@{host}"
    path = f"/{database}" if database is not None else parts.path
    query = parts.query
    if role is not None:
        query = "&".join(q for q in (query, urlencode({"options": f"-c role={role}"}, quote_via=quote)) if q)
    return urlunsplit(parts._replace(netloc=netloc, path=path, query=query))


def runtime_url(pg_url: str, roles: DatabaseRoles, password: str | None) -> str:
    """What a service or relay connects with: the server of PG_URL, as the runtime role."""
    return _with(pg_url.rstrip("/"), user=roles.runtime, password=password, database=roles.database)


def owner_url(pg_url: str, roles: DatabaseRoles) -> str:
    """The administrator of PG_URL acting as the owner role: what migrations run with."""
    return _with(pg_url.rstrip("/"), database=roles.database, role=roles.owner)


def ensure_database(pg_url: str, roles: DatabaseRoles, runtime_password: str | None) -> bool:
    """Create the roles and the database (owned by the owner role) if missing; idempotent. Returns created."""
    server = _with(pg_url.rstrip("/"), database="postgres")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"roles:{roles.database}",))
        try:
            for role, login in ((roles.owner, False), (roles.runtime, True)):
                if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                    conn.execute(sql.SQL("CREATE ROLE {} {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION")
                                 .format(sql.Identifier(role), sql.SQL("LOGIN" if login else "NOLOGIN")))
            # The administrator must be able to take the owner role (implicit for a superuser, not for CREATEROLE).
            conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(roles.owner)))
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(roles.runtime), sql.Literal(runtime_password) if runtime_password else sql.NULL))
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (roles.database,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(roles.database), sql.Identifier(roles.owner)))
            else:
                conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(roles.database), sql.Identifier(roles.owner)))
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(roles.database)))
            conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(roles.database), sql.Identifier(roles.runtime)))
            return not exists
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"roles:{roles.database}",))


def grant_runtime(pg_url: str, roles: DatabaseRoles) -> None:
    """Hand every object to the owner and give the runtime role exactly what it needs (idempotent)."""
    owner, runtime = sql.Identifier(roles.owner), sql.Identifier(roles.runtime)
    with psycopg.connect(_with(pg_url.rstrip("/"), database=roles.database), autocommit=True) as conn:
        # Objects made before the roles existed (an older instance, migrated as the administrator).
        for kind, name in conn.execute(
                "SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, c.relname "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') "
                "AND pg_get_userbyid(c.relowner) <> %s", (roles.owner,)).fetchall():
            conn.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(kind), sql.Identifier(name), owner))
        for (signature,) in conn.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s", (roles.owner,)).fetchall():
            conn.execute(sql.SQL("ALTER ROUTINE {} OWNER TO {}").format(sql.SQL(signature), owner))
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(owner))
        conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(runtime))
        conn.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(runtime))
        conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}")
                     .format(runtime))
        conn.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(runtime))
        present = {name for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()}
        for table in APPEND_ONLY_TABLES:
            if table in present:
                conn.execute(sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(table), runtime))
        for table in MIGRATION_HISTORY:
            if table in present:
                conn.execute(sql.SQL("REVOKE INSERT, UPDATE, DELETE ON {} FROM {}")
                             .format(sql.Identifier(table), runtime))


def drop(pg_url: str, roles: DatabaseRoles) -> None:
    """Drop the database and its two roles (throwaway instances of the tests)."""
    server = _with(pg_url.rstrip("/"), database="postgres")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(roles.database)))
        for role in (roles.runtime, roles.owner):
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def provision(config, service: str, apply):
    """Roles and database of `service`, then `apply(owner_url)` (its migrations), then the runtime grants.
    Returns (created, what apply returned). The one way every database is made: CLI, compose, tests."""
    roles = config.database_roles(service)
    created = ensure_database(config.pg_url, roles, config.database_password(service))
    result = apply(owner_url(config.pg_url, roles))
    grant_runtime(config.pg_url, roles)
    return created, result
