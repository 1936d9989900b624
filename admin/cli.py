"""peer-admin: the operators' command line (migrations, topology, projections, dead letters, tokens)."""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from runtime import db
from admin.services import SERVICE_CLASSES, service_class, services_of
from runtime.config import settings

console = Console()
errors = Console(stderr=True)


class AdminApp(typer.Typer):
    """peer-admin: a database, broker or service that does not answer is one line naming it, exit code 2,
    never a traceback (admin/unreachable.py)."""

    def __call__(self, *args, **kwargs):
        import sys

        from admin.unreachable import explain

        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - only the unreachable kinds are turned into a line
            from admin.services import SERVICES_VARIABLE

            if isinstance(exc, ValueError) and str(exc).startswith(f"{SERVICES_VARIABLE}:"):
                errors.print(f"[red]error:[/red] {exc}", highlight=False)  # a wrong setting, not a bug
                sys.exit(2)
            try:
                config = settings()
            except Exception:  # noqa: BLE001 - the configuration itself may be what is broken
                config = None
            line = explain(exc, config)
            if line is None:
                raise
            errors.print(f"[red]error:[/red] {line}", highlight=False)
            sys.exit(2)


app = AdminApp(help="Administer one instance of the peer-support platform. Shell completion: "
                    "`peer-admin --install-completion` (bash, zsh, fish, PowerShell).", no_args_is_help=True,
               pretty_exceptions_enable=False)
dead_letters = typer.Typer(help="Inspect and replay dead-lettered events.", no_args_is_help=True)
app.add_typer(dead_letters, name="dead-letters")
demo_app = typer.Typer(help="Demo data from the seeds, through the services' HTTP APIs.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")
export = typer.Typer(help="The API documents: OpenAPI per service, AsyncAPI for the events.", no_args_is_help=True)
app.add_typer(export, name="export")
ROOT = Path(__file__).resolve().parent.parent


def service_migrations(service: str) -> Path:
    return ROOT / "services" / service / "migrations"


def _services(service: str | None) -> list[str]:
    known = services_of(settings().instance_id)  # `national` only at the national instance
    if service and service not in known:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(known)}")
    return [service] if service else [s for s in known if service_migrations(s).is_dir()]


@app.command()
def migrate(service: str = typer.Option(None, help="Only this service (default: all)")):
    """Create each service's database and roles if missing, apply its migrations as the owner role and grant
    the runtime role its privileges (idempotent; PG_URL is an administrator: superuser or CREATEROLE+CREATEDB)."""
    from runtime.db_roles import provision

    config = settings()
    for name in _services(service):
        created, applied = provision(config, name, lambda url, name=name: db.migrate(url, service_migrations(name)))
        console.print(f"{name}: database {'created' if created else 'present'}, "
                      f"{len(applied)} migration(s) applied")
    if not service:
        from runtime.privacy.keystore import provision as provision_vault

        # the keys live apart from every event store, in their own database with their own roles
        provision(config, "vault", provision_vault)
        console.print(f"vault: {config.database_roles('vault').database} ready")


@app.command("declare-topology")
def declare_topology():
    """Declare every consumer queue and dead-letter queue before any relay publishes."""
    from admin.services import declare

    for name in declare(settings().amqp_uri, services_of(settings().instance_id)):
        console.print(f"declared {name}")


@app.command("national-resend")
def national_resend(service: str = typer.Option(None, help="Only this service (default: all that publish national facts)")):
    """Publish every national fact this instance shares (NATIONAL_SHARE) again, e.g. for a national
    instance that started late or lost its state; the national side deduplicates by event id."""
    import contracts
    from runtime.messaging.relay import resend_national

    if settings().instance_id == "national":
        raise typer.BadParameter("the national instance receives national facts; run this at a region")
    publishers = {c.source_service for c in contracts.all_contracts() if c.national}
    for name in [s for s in _services(service) if s in publishers]:
        console.print(json.dumps({"service": name, "resent": resend_national(name)}))


@app.command("downlink-resend")
def downlink_resend(category: list[str] = typer.Option(
        None, help="Only these categories (competence_module: the catalogue; national_announcement)")):
    """At the national instance: publish every broadcast downlink event again (the whole competence catalogue,
    every national event's announcement), for a region that joined late or lost its catalogue. Start the
    region's services first (their queues must exist); every region's inbox skips what it already has."""
    import contracts
    from runtime.messaging.relay import resend_broadcast

    if settings().instance_id != "national":
        raise typer.BadParameter("only the national instance broadcasts; at a region, ask the national instance")
    known = sorted({contracts.category_of(c.type) for c in contracts.all_contracts() if c.downlink == "broadcast"})
    unknown = sorted(set(category or ()) - set(known))
    if unknown:
        raise typer.BadParameter(f"{', '.join(unknown)}: not broadcast; one of {', '.join(known)}")
    publishers = sorted({c.source_service for c in contracts.all_contracts() if c.downlink == "broadcast"})
    for name in publishers:
        console.print(json.dumps({"service": name, "resent": resend_broadcast(name, tuple(category or ()))}))


@app.command()
def rebuild(service: str):
    """Rebuild a service's read models, with a progress bar: from its own events, or, for a service that
    has none (notifications), from the feeds of the services it consumes (they must be running)."""
    from runtime.eventstore.projection import rebuild as replay, total_events
    from runtime.messaging.replay import rebuild_from_feeds

    known = services_of(settings().instance_id)  # `national` only at the national instance
    if service not in known:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(known)}")
    projections = importlib.import_module(f"services.{service}.projections")
    # as the owner: a rebuild empties read models, and may do what the runtime role may not
    with db.connect(settings().migration_url(service)) as conn, Progress(console=console) as progress:
        if hasattr(projections, "project"):
            task = progress.add_task(f"rebuilding {service}", total=total_events(conn))
            replayed = replay(conn, projections.READ_MODEL_TABLES, projections.project,
                              progress=lambda n: progress.advance(task, n),
                              project_page=getattr(projections, "project_page", None))
        else:
            from nameko.standalone.rpc import ClusterRpcProxy


            task = progress.add_task(f"rebuilding {service} from its sources' feeds", total=None)
            with ClusterRpcProxy({"AMQP_URI": settings().amqp_uri}, timeout=30) as rpc:
                replayed = rebuild_from_feeds(
                    conn, service_class(service), projections.READ_MODEL_TABLES,
                    lambda source, position, categories: getattr(rpc, source).events_after(position, 500, categories),
                    progress=lambda n: progress.advance(task, n))
        conn.commit()
    console.print(f"{service}: {replayed} events replayed into {', '.join(projections.READ_MODEL_TABLES)}")


@app.command("mint-token")
def mint_token(subject: str = typer.Option(..., "--sub", help="Subject (user id, not a name)"),
               role: list[str] = typer.Option(..., "--role", help="Repeat for several roles"),
               instance: str = typer.Option(None, help="Default: this instance"),
               ttl: int = typer.Option(3600, help="Seconds until it expires")):
    """Mint a development token signed with JWT_SECRET (production tokens come from the OIDC provider)."""
    from runtime.http.auth import mint_token as mint

    try:
        typer.echo(mint(subject, role, instance, ttl))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command("vault-provision")
def vault_provision():
    """Create the personal-data vault's database, roles and tables if missing (services check it at start)."""
    from runtime.db_roles import provision
    from runtime.privacy.keystore import provision as provision_vault

    config = settings()
    provision(config, "vault", provision_vault)
    console.print(f"vault: {config.database_roles('vault').database} ready")


@app.command("vault-rotate-master-key")
def vault_rotate_master_key():
    """Re-wrap every person key under a new master key (events and read models are not touched).

    The current key is VAULT_MASTER_KEY, the new one VAULT_NEW_MASTER_KEY (base64 of 32 random bytes;
    environment only, never an argument: arguments end up in shell history and `ps`). Idempotent: run
    it again after every service runs with the new key (deploy/README.md)."""
    import os

    from runtime.privacy import erasure, keystore, vault

    configured = os.environ.get("VAULT_NEW_MASTER_KEY")
    if not configured:
        raise typer.BadParameter("VAULT_NEW_MASTER_KEY: set it to the new master key (base64 of 32 random bytes)")
    try:
        new_key = keystore.parse_master_key(configured, "VAULT_NEW_MASTER_KEY")
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    try:
        rewrapped = keystore.KeyStore.at().rotate_master_key(new_key)
    except keystore.ForeignMasterKey as exc:
        console.print(f"[red]refused, nothing changed:[/red] {exc}")
        raise typer.Exit(1) from None
    typer.echo(json.dumps({"rewrapped": rewrapped}))


@app.command("erase-person")
def erase_person(person_id: str = typer.Argument(..., help="The person's id (the vault subject), never a name"),
                 basis: str = typer.Option("data_subject_request",
                                           help="data_subject_request, retention_expired or other_legal_basis"),
                 erased_by: str = typer.Option(..., "--by", help="Who erases (your user id), recorded"),
                 yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation")):
    """Erase a person: destroy their key (crypto-shredding), record person.erased, forget their rows.

    The erasure is recorded in the roles service's store; its projection forgets the person at once,
    and every other service when the event reaches it (through the broker or the feed)."""
    import uuid

    from contracts.roles import ERASURE_BASES
    from runtime import eventstore
    from runtime.privacy import erasure, keystore, vault
    from services.roles import projections

    if basis not in ERASURE_BASES:
        raise typer.BadParameter(f"basis: one of {', '.join(ERASURE_BASES)}")
    try:
        person_id = str(uuid.UUID(person_id))
    except ValueError:
        raise typer.BadParameter("person id: a UUID") from None
    if not yes:
        typer.confirm(f"Erase person {person_id}? Their personal data becomes unreadable for good", abort=True)
    url = settings().database_url(erasure.OWNER)
    with db.connect(url) as conn:
        metadata = eventstore.Metadata(erasure.OWNER, settings().instance_id, f"cli:{erased_by}", uuid.uuid4())
        result = erasure.erase_person(erasure.StoreOn(conn, metadata), vault.VaultSession(keystore.KeyStore.at()),
                                     person_id, basis, erased_by)
        for event in result.events:
            projections.project(conn, event)
        conn.commit()
    if result.events:
        from runtime.eventstore.notifier import CHANNEL

        with db.connect(url, autocommit=True) as conn:
            conn.execute(f"NOTIFY {CHANNEL}")  # wake the relay now rather than at its next poll
    typer.echo(json.dumps({"person_id": person_id, "keys_destroyed": result.keys_destroyed,
                           "recorded": result.recorded}))


@app.command("audit-log")
def audit_log(service: str, resource_type: str = typer.Option(None), resource_id: str = typer.Option(None),
              actor: str = typer.Option(None), limit: int = typer.Option(50)):
    """Who read which special-category data, when and why (newest first)."""
    from runtime.http.audit import entries

    _services(service)
    with db.connect(settings().database_url(service)) as conn:
        rows = entries(conn, resource_type, resource_id, actor, limit)
    table = Table("at", "actor", "roles", "action", "resource", "purpose", "correlation id")
    for r in rows:
        table.add_row(r["at"].isoformat(timespec="seconds"), r["actor"], ",".join(r["actor_roles"]), r["action"],
                      f"{r['resource_type']}/{r['resource_id'] or '-'}", r["purpose"], str(r["correlation_id"] or ""))
    console.print(table)


@app.command()
def pseudonym(person_id: str = typer.Argument(..., help="A person id of this instance"),
              purpose: str = typer.Option("person", help="'person', or the stream category of a national stream")):
    """The national pseudonym of a person (or a stream's id) of this instance, to find it in what was shared."""
    from runtime.privacy.pseudonym import pseudonym as derive

    try:
        typer.echo(derive(person_id, purpose=purpose))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command("blocked-streams")
def blocked_streams(service: str):
    """Streams whose consumed events wait for a missing predecessor (repaired from the source's feed
    after INBOX_REPAIR_AFTER seconds; a stream listed for longer needs a look)."""
    from runtime.eventstore.inbox import blocked_streams as blocked

    if service not in SERVICE_CLASSES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICE_CLASSES)}")
    with db.connect(settings().database_url(service)) as conn:
        rows = blocked(conn)
    table = Table("consumer", "stream", "applied version", "waiting from version", "parked", "age (s)")
    for r in rows:
        table.add_row(r["consumer"], r["stream_name"], str(r["applied_version"]), str(r["first_parked"]),
                      str(r["parked"]), f"{r['age_seconds']:.0f}")
    console.print(table)


@app.command("config")
def show_config():
    """The configuration this instance resolves (environment over its profile), as JSON: the same for every
    process started with the same environment. Secrets only by source and fingerprint, never by value."""
    from runtime.instance_secrets import fingerprint

    config = settings()
    secrets = {"JWT_SECRET": config.jwt_secret, "VAULT_MASTER_KEY": config.vault_master_key,
               "PSEUDONYM_SECRET": config.pseudonym_secret}
    typer.echo(json.dumps({
        "instance_id": config.instance_id, "amqp_uri": _without_password(config.amqp_uri),
        "pg_url": _without_password(config.pg_url), "db_prefix": config.db_prefix, "log_level": config.log_level,
        "dev_mode": config.dev_mode,
        "secrets": {name: {"source": config.secret_sources.get(name, "not needed"),
                           "fingerprint": fingerprint(value) if value else None}
                    for name, value in secrets.items()},
    }, indent=2))


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    from runtime.messaging.publisher import broker_uris

    if ";" in url:  # a cluster's nodes (deploy/README.md): each URL carries a password, not only the first
        return ";".join(_without_password(uri) for uri in broker_uris(url))
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


@dead_letters.command("list")
def dead_letters_list():
    """Depth of every dead-letter queue, and the event types and ids waiting in them (no payloads)."""
    from admin.deadletters import peek_all

    table = Table("queue", "depth", "waiting (type / event id)")
    for queue, depth, waiting in peek_all(settings().amqp_uri):
        table.add_row(queue, str(depth), "\n".join(f"{t} / {i}" for t, i in waiting))
    console.print(table)


@dead_letters.command("show")
def dead_letters_show(queue: str = typer.Argument(..., help="Consumer queue, e.g. notifications.on_function_description"),
                      limit: int = typer.Option(20)):
    """Why each dead letter of a consumer queue died (event id and type, reason, count, first death, payload
    field names; never payload values). The messages stay queued."""
    from admin.deadletters import show

    table = Table("event id", "type", "reason", "deaths", "first death", "payload fields")
    for letter in show(settings().amqp_uri, queue, limit):
        table.add_row(str(letter["event_id"]), str(letter["event_type"]), str(letter["reason"]),
                      str(letter["deaths"]), str(letter["first_death"]), ", ".join(letter["payload_fields"]))
    console.print(table)


@dead_letters.command("replay")
def dead_letters_replay(queue: str = typer.Argument(..., help="Consumer queue, e.g. notifications.on_function_description"),
                        limit: int = typer.Option(1000)):
    """Move dead-lettered events back to their consumer queue (the inbox makes a replay harmless)."""
    from admin.deadletters import replay

    moved = replay(settings().amqp_uri, queue, limit)
    console.print(json.dumps({"queue": queue, "replayed": moved}))


@app.command()
def status():
    """The whole instance: services (/health, /ready), relays, outbox lag, parked and blocked streams, consumer
    queues, dead letters, and the shovels to the national broker. Exit code 1 when something is not well."""
    from admin import status as probe

    from admin.endpoints import instance_services

    config = settings()
    services = instance_services(config.instance_id)
    rows = [probe.service_status(config, service) for service in services]
    table = Table("service", "health", "ready", "relay", "outbox lag", "parked", "blocked streams",
                  title=f"instance {config.instance_id}")
    for r in rows:
        table.add_row(r.service, r.health, r.ready, r.relay, str(r.outbox_lag), str(r.parked), str(r.blocked_streams))
    console.print(table)
    queues = Table("queue", "waiting", "consumers", title="consumer queues and dead letters")
    dead = 0
    for name, ready, consumers in probe.queue_depths(config.amqp_uri, services):
        queues.add_row(name, str(ready), str(consumers) if not name.endswith(".dead-letter") else "-")
        dead += ready if name.endswith(".dead-letter") else 0
    console.print(queues)
    links = probe.shovels(config.amqp_uri)
    if isinstance(links, str):
        console.print(f"links to the national broker: {links}")
    elif not links:
        console.print("links to the national broker: none on this broker (single topology)")
    else:
        shovel_table = Table("shovel", "state", "to", title="links to the national broker")
        for name, state, to in links:
            shovel_table.add_row(name, state, to)
        console.print(shovel_table)
    unwell = [r.service for r in rows if "ok" != r.health or "ok" != r.ready or r.relay not in ("ok", "none")]
    unwell += ["dead letters"] if dead else []
    unwell += [name for name, state, _ in links if state != "running"] if isinstance(links, list) else []
    if unwell:
        console.print(f"[yellow]needs a look:[/yellow] {', '.join(unwell)}")
        raise typer.Exit(1)
    console.print("[green]all well[/green]")


@demo_app.command("load")
def demo_load(announcement_wait: float = typer.Option(
        0, "--wait-for-announcement", help="Seconds a region waits for the national meetup's announcement "
                                           "(multi-region: load the national instance first)")):
    """Load the seeds' demo data into this instance's running services (idempotent: a second load changes
    nothing). Parts whose service is not deployed are skipped with a note. At the national instance: the
    national meetup, which the regions' demo peers then sign up for."""
    from demo import DemoClient, load

    config = settings()
    if not config.jwt_secret:
        raise typer.BadParameter("JWT_SECRET: the demo mints its own tokens and needs the shared secret")
    created = load(DemoClient(config.instance_id, config.jwt_secret), report=lambda line: console.print(
        f"demo: {line}", highlight=False, markup=False, soft_wrap=True), announcement_wait=announcement_wait)
    console.print(f"demo data: {sum(c or 0 for c in created.values())} object(s) created")


@app.command()
def welcome():
    """What answers where, development tokens for every role (development mode only) and three example
    curl commands (deploy/up.sh prints this once the instance is up)."""
    from demo.welcome import show
    from admin.endpoints import instance_services

    config = settings()
    show(console, instance_id=config.instance_id, services=instance_services(config.instance_id),
         amqp_uri=config.amqp_uri,
         dev_mode=config.dev_mode, jwt_secret=config.jwt_secret)


@export.command("openapi")
def export_openapi(service: str, output: Path = typer.Option(None, "--output", "-o", help="Default: stdout")):
    """A service's OpenAPI document, generated from its marshmallow schemas (as GET /openapi.json serves it)."""
    from runtime.http.openapi import document

    if service not in SERVICE_CLASSES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICE_CLASSES)}")
    _write(document(service_class(service)), output)


@export.command("asyncapi")
def export_asyncapi(output: Path = typer.Option(None, "--output", "-o", help="Default: stdout")):
    """The AsyncAPI document of every event (contracts/asyncapi.json is this, committed)."""
    from contracts.asyncapi import document

    _write(document(), output)


def _write(document: dict, output: Path | None) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output:
        output.write_text(text)
        console.print(f"written to {output}")
    else:
        typer.echo(text, nl=False)


if __name__ == "__main__":
    app()


notifications = typer.Typer(help="E-mails the notifications service gave up on, and sending them again.",
                            no_args_is_help=True)
app.add_typer(notifications, name="notifications")


@notifications.command("failed")
def notifications_failed(limit: int = typer.Option(200)):
    """E-mails that failed after the last retry (rule and error only: no recipient, no content)."""
    from services.notifications import ledger

    with db.connect(settings().database_url("notifications")) as conn:
        rows = ledger.failed(conn, limit)
    table = Table("id", "rule", "attempts", "last error", "created")
    for r in rows:
        table.add_row(str(r["id"]), r["rule"], str(r["attempts"]), r["last_error"] or "",
                      r["created_at"].isoformat(timespec="seconds"))
    console.print(table)


@notifications.command("retry")
def notifications_retry(delivery_id: list[str] = typer.Argument(None, help="Ids from `notifications failed`"),
                        all_failed: bool = typer.Option(False, "--all", help="Every failed e-mail")):
    """Send failed e-mails again (from the first backoff on)."""
    from datetime import datetime, timezone

    from services.notifications import ledger

    with db.connect(settings().database_url("notifications")) as conn:
        ids = [r["id"] for r in ledger.failed(conn, 100000)] if all_failed else (delivery_id or [])
        retried = [str(i) for i in ids if ledger.retry(conn, i, datetime.now(timezone.utc))]
        conn.commit()
    typer.echo(json.dumps({"retried": retried, "not_failed": sorted(set(map(str, ids)) - set(retried))}))
