"""One running instance (roles, courses, network, notifications and their relays) shared by the first-use tests:
the demo is loaded into it once, and every `peer-admin` command is run against it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo import DemoClient
from tests.support.instance import Instance

ROOT = Path(__file__).resolve().parents[2]
PEER_ADMIN = str(Path(sys.executable).with_name("peer-admin"))


class RunningInstance(Instance):
    def http_env(self) -> dict:
        """The variables deploy/Procfile reads for where each service and relay answers."""
        env = {f"HTTP_PORT_{s.upper()}": str(port) for s, port in self.ports.items()}
        env.update({f"RELAY_METRICS_PORT_{s.upper()}": str(port) for s, port in self.relay_ports.items()})
        return env

    def demo_client(self) -> DemoClient:
        return DemoClient(self.instance_id, self.jwt_secret, env=self.http_env())

    def peer_admin(self, *args: str, timeout: float = 120, **extra_env) -> subprocess.CompletedProcess:
        env = self.env(**{"PEER_DEV_MODE": "0", **self.http_env(), **extra_env})
        env.pop("PEER_DEV_SECRETS_FILE", None)
        return subprocess.run([PEER_ADMIN, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout)


@pytest.fixture(scope="package")
def running(tmp_path_factory):
    from tests.support.instance import free_port

    from tests.notifications.smtp import SmtpServer

    workdir = tmp_path_factory.mktemp("firstuse")
    smtp = SmtpServer(workdir)  # a real SMTP server the notifications service sends the demo's e-mails to
    created = RunningInstance(services=("roles", "courses", "network", "notifications"), workdir=workdir,
                              environment={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
                                           "NOTIFICATIONS_INTERVAL_SECONDS": "0.2"})
    created.relay_ports = {s: free_port() for s in created.services}
    created.smtp = smtp
    try:
        created.create()
        for service in created.services:
            created.start_service(service, wait=False)
        for service in created.services:
            created.wait_ready(service, timeout=90)
            created.start_relay(service, metrics_port=created.relay_ports[service])
        yield created
    finally:
        created.destroy()
        smtp.stop()


@pytest.fixture(scope="package")
def demo_loaded(running):
    from demo import load

    notes = []
    first = load(running.demo_client(), report=notes.append)
    return running, first, notes
