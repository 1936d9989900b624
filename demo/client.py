"""The demo's HTTP client: where each service answers, development tokens, and calls that fail loudly."""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import requests

from runtime.http.auth import mint_token
from admin.endpoints import service_url

# Stable ids: the same demo person or object on every load and every machine (look before create).
DEMO_NAMESPACE = uuid.UUID("6f1d3c5e-2a41-4a8e-9a3b-0d3e1f5d7c01")


def demo_id(key: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, key))


COORDINATOR_ID = demo_id("coordinator")
LEADER_ID = demo_id("leader")


class ServiceUnavailable(RuntimeError):
    """A service the demo needs does not answer (one line for the operator, no traceback)."""


class DemoError(RuntimeError):
    """A service refused a demo request: names the call and the service's problem document."""


@dataclass
class DemoClient:
    instance_id: str
    jwt_secret: str
    env: dict | None = None
    timeout: float = 30

    def url(self, service: str, path: str) -> str:
        return service_url(service, self.env) + path

    def token(self, role: str, subject: str) -> str:
        return mint_token(subject, [role], self.instance_id, 3600, secret=self.jwt_secret)

    def deployed(self, service: str) -> bool:
        try:
            return requests.get(self.url(service, "/health"), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def wait_ready(self, services, timeout: float = 60) -> None:
        """Waits (bounded) until each service answers GET /ready 200: one can be healthy before its database is.
        A service that does not answer at all is not starting up but absent: that fails at once."""
        deadline = time.monotonic() + timeout
        for service in services:
            while True:
                try:
                    if requests.get(self.url(service, "/ready"), timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    raise ServiceUnavailable(f"{service} does not answer on {self.url(service, '')}") from None
                if time.monotonic() > deadline:
                    raise ServiceUnavailable(f"{service} not ready on {self.url(service, '')} after {timeout:.0f}s")
                time.sleep(0.5)

    def call(self, method: str, service: str, path: str, *, role: str = "coordinator", subject: str | None = None,
             json=None, params=None, missing_ok: bool = False):
        subject = subject or (LEADER_ID if role == "leader" else COORDINATOR_ID)
        headers = {"Authorization": f"Bearer {self.token(role, subject)}"}
        try:
            response = requests.request(method, self.url(service, path), headers=headers, json=json, params=params,
                                        timeout=self.timeout)
        except requests.ConnectionError:
            raise ServiceUnavailable(f"{service} does not answer on {self.url(service, '')}") from None
        if missing_ok and response.status_code == 404:
            return None
        if response.status_code >= 300:
            raise DemoError(f"{method} {service}{path} answered {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else {}
