"""Least-privilege database roles (issue 8 item 11): runtime/db_roles.py, provisioned as `peer-admin migrate` does.

Against the real PostgreSQL: each test provisions a throwaway instance's roles database and vault (own roles),
then tries, as the runtime role every service connects as, the attacks of the review. Each must fail while the
service's ordinary work (append and read events, write read models, write the audit log) still succeeds.
"""
import uuid

import psycopg
import pytest

from runtime import db, db_roles, instance_secrets
from runtime.privacy import keystore
from runtime.config import settings
from tests.support.instance import ROOT

EVENT = ("INSERT INTO events (event_id, stream_name, stream_version, event_type, schema_version, payload, metadata,"
         " occurred_at) VALUES (gen_random_uuid(), 'peer-1', 0, 'peer.registered', 1, '{}', '{}', now())")
AUDIT = ("INSERT INTO audit_log (actor, actor_roles, instance_id, action, resource_type, purpose) "
         "VALUES ('user-1', '{leader}', 'region-1084', 'read', 'accommodation_needs', 'support')")


@pytest.fixture(scope="module")
def provisioned():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DB_PREFIX", f"t{uuid.uuid4().hex[:10]}_")
        for name, generate in instance_secrets.SECRETS.items():
            patch.setenv(name, generate())
        config = settings()
        db_roles.provision(config, "roles", lambda url: db.migrate(url, ROOT / "services" / "roles" / "migrations"))
        db_roles.provision(config, "vault", keystore.provision)
        try:
            yield config
        finally:
            for service in ("roles", "vault"):
                db_roles.drop(config.pg_url, config.database_roles(service))


@pytest.fixture
def runtime(provisioned):
    """A connection as the roles service's runtime role, with its password (the URL the service uses)."""
    with psycopg.connect(provisioned.database_url("roles"), autocommit=True) as conn:
        yield conn


def test_the_runtime_role_is_neither_superuser_nor_owner(runtime, provisioned):
    """Guards: every service connected as the PostgreSQL superuser."""
    user, superuser, owner = runtime.execute(
        "SELECT current_user, rolsuper, pg_has_role(current_user, %s, 'MEMBER') FROM pg_roles "
        "WHERE rolname = current_user", (provisioned.database_roles("roles").owner,)).fetchone()
    assert user == provisioned.database_roles("roles").runtime
    assert not superuser and not owner


def test_the_runtime_role_does_its_work(runtime):
    """The grants are not so tight that the service cannot run: append, read, read models, audit."""
    with runtime.transaction():
        runtime.execute(EVENT)
        runtime.execute(AUDIT)
        assert runtime.execute("SELECT count(*) FROM events").fetchone()[0] >= 1
        runtime.execute("INSERT INTO relay_checkpoints (relay_name, transaction_id, global_position) "
                        "VALUES ('roles', '0', 0) ON CONFLICT (relay_name) DO UPDATE SET global_position = 1")
        row = runtime.execute(
            "INSERT INTO function_descriptions (id, workplace, title, template_id, template_version, status, "
            "revision, local_fields, version, updated_at) VALUES (gen_random_uuid(), 'w', 't', 'x', 1, 'draft', "
            "1, '{}', 0, now()) RETURNING id").fetchone()
        runtime.execute("UPDATE function_descriptions SET title = 'u' WHERE id = %s", row)
        runtime.execute("DELETE FROM function_descriptions WHERE id = %s", row)
        runtime.execute("DELETE FROM relay_checkpoints WHERE relay_name = 'roles'")
        runtime.execute("SELECT pg_advisory_xact_lock(1)")


@pytest.mark.parametrize("attack", [
    "UPDATE events SET payload = '{\"forged\": true}'",
    "DELETE FROM events",
    "TRUNCATE events",
    "ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete",
    "ALTER TABLE events DISABLE TRIGGER ALL",
    "SET session_replication_role = replica",
    "DROP TRIGGER events_no_update_or_delete ON events",
    "UPDATE audit_log SET purpose = 'forged'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "TRUNCATE peers",
    "CREATE TABLE smuggled (x int)",
    "CREATE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "DELETE FROM _yoyo_migration",
    "ALTER ROLE CURRENT_USER SUPERUSER",
])
def test_as_the_runtime_role_the_attacks_of_the_review_fail(runtime, attack):
    """Guards: as superuser a service (or whoever holds its credentials) could disable the immutability
    triggers, switch them off with session_replication_role, and delete or rewrite the audit log."""
    runtime.execute(EVENT.replace("'peer-1'", f"'peer-{uuid.uuid4()}'"))
    runtime.execute(AUDIT)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        runtime.execute(attack)


def test_the_audit_log_refuses_delete_and_truncate_even_for_its_owner(provisioned):
    """Guards: audit_log only refused UPDATE; DELETE and TRUNCATE went through (the trigger holds for the
    owner and a superuser too, so retention must disable it deliberately, as the owner, in one transaction)."""
    with psycopg.connect(provisioned.migration_url("roles"), autocommit=True) as owner:
        owner.execute(AUDIT)
        for statement in ("DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
                owner.execute(statement)


def test_the_vault_has_its_own_credentials(provisioned):
    """Guards: the vault database was reachable with the same superuser credentials as every event store.
    Now only the vault's runtime role connects to it, and it cannot connect to a service's database."""
    roles_runtime = provisioned.database_roles("roles").runtime
    vault_roles = provisioned.database_roles("vault")
    as_service = db_roles.runtime_url(provisioned.pg_url, vault_roles, None).replace(vault_roles.runtime,
                                                                                      roles_runtime, 1)
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(as_service).close()
    with psycopg.connect(provisioned.database_url("vault"), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM person_keys").fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("TRUNCATE person_keys")
    as_vault = provisioned.database_url("roles").replace(roles_runtime, vault_roles.runtime, 1)
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(as_vault).close()


def test_migrate_is_idempotent_and_keeps_the_grants(provisioned, runtime):
    """A second `peer-admin migrate` re-applies grants (tables of later migrations are covered) and changes
    nothing else; the vault provision a service runs at start works as the vault's runtime role."""
    created, applied = db_roles.provision(
        provisioned, "roles", lambda url: db.migrate(url, ROOT / "services" / "roles" / "migrations"))
    assert not created and applied == []
    keystore.provision(provisioned.database_url("vault"))  # as the runtime role, what Vault.setup does
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        runtime.execute("TRUNCATE events")
