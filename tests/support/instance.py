"""A throwaway instance for end-to-end tests: its own RabbitMQ vhost, its own databases, real processes.

Services run as `nameko run` processes and relays as `python -m runtime.messaging.relay`, exactly as the
local runner starts them, so tests exercise the broker and the database for real.
"""
from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests
from kombu import Connection

from runtime import db, db_roles, instance_secrets
from runtime.privacy import keystore
from runtime.http.auth import mint_token
from admin import services as composition
from admin.services import NATIONAL_SERVICES
from runtime.config import settings

ROOT = Path(__file__).resolve().parents[2]
MANAGEMENT = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672")
NAMEKO = str(Path(sys.executable).with_name("nameko"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def management(method: str, path: str, retry_for: float = 90, base: str = MANAGEMENT, **kwargs) -> requests.Response:
    """A management API call (of the shared node, or the node at `base`); waits out a broker that is
    (re)starting, as fault tests make it do."""
    deadline = time.monotonic() + retry_for
    while True:
        try:
            response = requests.request(method, f"{base}/api/{path}", timeout=30, **kwargs)
            if response.status_code < 500 or time.monotonic() > deadline:
                break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)
    response.raise_for_status()
    return response


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict
    log_path: Path
    popen: subprocess.Popen | None = None

    def start(self) -> "Process":
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        return self

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(sig)
            self.popen.wait(timeout=30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Instance:
    """`broker`: a node of the multi-region topology (tests/support/topology.py) to run against, on its
    default vhost (where its shovels are), instead of a throwaway vhost of the shared node; the
    instance's consumer queues are deleted there at the end. `environment`: extra variables."""

    instance_id: str = "region-1084"
    services: tuple[str, ...] = ("roles", "notifications")
    workdir: Path = field(default_factory=lambda: Path(os.environ.get("TMPDIR", "/tmp")))
    processes: dict[str, Process] = field(default_factory=dict)
    broker: object = None
    environment: dict = field(default_factory=dict)

    def __post_init__(self):
        tag = uuid.uuid4().hex[:10]
        self.vhost = None if self.broker else f"test-{tag}"
        self.db_prefix = f"t{tag}_"
        base = settings()
        self.amqp_uri = (self.broker.amqp_uri() if self.broker
                         else f"{base.amqp_uri.rstrip('/')}/{quote(self.vhost, safe='')}")
        # The national service holds no personal data: no vault at an instance that runs only it.
        self.has_vault = any(s not in NATIONAL_SERVICES for s in self.services)
        self.pg_url = base.pg_url
        self.jwt_secret = f"test-secret-{uuid.uuid4().hex}"
        self.vault_master_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
        self.pseudonym_secret = f"test-pseudonyms-{uuid.uuid4().hex}"
        self.db_password = instance_secrets.SECRETS["DB_PASSWORD"]()
        self.vault_db_password = instance_secrets.SECRETS["VAULT_DB_PASSWORD"]()
        self.credential_signing_key = instance_secrets.SECRETS["CREDENTIAL_SIGNING_KEY"]()
        self.ports = {s: free_port() for s in self.services}
        self.logdir = self.workdir / f"peer-{tag}"
        self.logdir.mkdir(parents=True, exist_ok=True)

    # -- set-up -----------------------------------------------------------------------------------
    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
        env.update(INSTANCE_ID=self.instance_id, AMQP_URI=self.amqp_uri, PG_URL=self.pg_url,
                   DB_PREFIX=self.db_prefix, JWT_SECRET=self.jwt_secret, PSYCOPG_WAIT_FUNC="wait_select",
                   VAULT_MASTER_KEY=self.vault_master_key, PSEUDONYM_SECRET=self.pseudonym_secret,
                   DB_PASSWORD=self.db_password, VAULT_DB_PASSWORD=self.vault_db_password,
                   CREDENTIAL_SIGNING_KEY=self.credential_signing_key, PYTHONUNBUFFERED="1", LOG_LEVEL="INFO")
        env.update(self.environment)
        env.update(extra)
        return env

    def database_url(self, service: str) -> str:
        """The administrator's URL of a database of this instance (tests inspect and arrange with it)."""
        return f"{self.pg_url}/{self.db_prefix}{service}"

    def settings(self):
        """This instance's configuration, resolved the way its processes resolve it (runtime/config.py)."""
        saved = {k: os.environ.get(k) for k in self.env()}
        os.environ.update(self.env())
        try:
            return settings()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def runtime_url(self, service: str) -> str:
        """What this instance's processes connect with: the least-privilege runtime role (runtime/db_roles.py)."""
        return self.settings().database_url(service)

    def provision_database(self, name: str, *migration_dirs: Path) -> None:
        """A database of this instance made as `peer-admin migrate` makes it: its owner and runtime roles, the
        event store's and the given migrations applied as the owner, the runtime role's grants. Test-only
        services (their own database) need it too: processes connect as the runtime role, never superuser."""
        db_roles.provision(self.settings(), name, lambda url: db.migrate(url, *migration_dirs))

    def drop_database(self, name: str) -> None:
        """The database and its two roles (roles are server-wide: a throwaway instance leaves none behind)."""
        db_roles.drop(self.pg_url, db_roles.roles_for(self.db_prefix, name))

    def create(self) -> "Instance":
        if self.vhost:
            management("PUT", f"vhosts/{quote(self.vhost, safe='')}")
            management("PUT", f"permissions/{quote(self.vhost, safe='')}/guest",
                       json={"configure": ".*", "write": ".*", "read": ".*"})
        for service in self.services:
            self.provision_database(service, ROOT / "services" / service / "migrations")
        if self.has_vault:
            db_roles.provision(self.settings(), "vault", keystore.provision)
        composition.declare(self.amqp_uri, self.services)
        return self

    def destroy(self) -> None:
        for process in self.processes.values():
            process.kill()
        for service in (*self.services, "vault"):
            self.drop_database(service)
        if not self.vhost:  # a topology node's default vhost: remove what this instance declared there
            with Connection(self.amqp_uri) as conn:
                for queue in composition.all_queues(self.services):
                    conn.default_channel.queue_delete(queue.name)
            return
        try:
            management("DELETE", f"vhosts/{quote(self.vhost, safe='')}")
        except requests.RequestException:
            pass

    # -- processes --------------------------------------------------------------------------------
    def start_service(self, service: str, wait: bool = True, **extra_env) -> Process:
        env = self.env(WEB_SERVER_ADDRESS=f"127.0.0.1:{self.ports[service]}", **extra_env)
        process = Process(service, [NAMEKO, "run", "--config", "deploy/nameko.yaml", f"services.{service}.service"],
                          env, self.logdir / f"{service}.log").start()
        self.processes[service] = process
        if wait:
            self.wait_ready(service)
        return process

    def start_relay(self, service: str, **options) -> Process:
        args = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
        process = Process(f"{service}-relay", [sys.executable, "-m", "runtime.messaging.relay", service, *args],
                          self.env(), self.logdir / f"{service}-relay.log").start()
        self.processes[f"{service}-relay"] = process
        return process

    def wait_ready(self, service: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[service]
            if not process.running:
                raise RuntimeError(f"{service} exited:\n{process.log()[-3000:]}")
            try:
                if requests.get(self.url(service, "/ready"), timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{service} not ready after {timeout}s:\n{self.processes[service].log()[-3000:]}")

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    # -- calling ----------------------------------------------------------------------------------
    def token(self, *roles: str, subject: str = "user-1", instance: str | None = None, ttl: int = 3600) -> str:
        return mint_token(subject, list(roles), instance or self.instance_id, ttl, secret=self.jwt_secret)

    def call(self, method: str, service: str, path: str, *, roles=("leader",), token: str | None = None,
             **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not False:
            headers["Authorization"] = f"Bearer {token or self.token(*roles)}"
        return requests.request(method, self.url(service, path), headers=headers, timeout=30, **kwargs)

    def queue_depth(self, queue: str) -> int:
        """Ready messages, asked of the broker itself (the management API's figures lag by seconds)."""
        with Connection(self.amqp_uri) as conn:
            return conn.default_channel.queue_declare(queue, passive=True).message_count


def wait_until(predicate, timeout: float = 30, interval: float = 0.05, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{message} not met within {timeout}s")
