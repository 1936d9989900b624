"""Drives a real instance so that every registered event type is published at least once
(tests/contracts/test_every_event_type.py captures and validates what comes out).

Each service has a module here with `STEPS`: a list of small functions `step(scenario)`, each driving one
story through that service's public HTTP API (and, through the broker, its consumers). A step raises
`StepFailed` naming the call and the answer; the test runs every step and reports all failures together,
so one broken step does not hide the others.

Adding an event type: publish it from the service as usual, then add the HTTP calls that make it happen to
a step of `scenario/<service>.py` (or a new step function appended to `STEPS`). The test names every
registered type (and every exchange it is documented on) that no step made the instance publish, so a new
contract without a driver fails until it is driven. Steps share what they made (peers, agreements) through
`scenario.ids`; the order of the lists in test_every_event_type.py `DRIVES` is the order they run in.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import requests

from admin.services import NATIONAL_SERVICES
from tests.support.foreign_issuer import ForeignIssuer
from tests.support.instance import Instance, wait_until


class StepFailed(AssertionError):
    """A call of a step was refused or a fact did not arrive: the message names it."""


@dataclass
class Scenario:
    """`instance` runs the region's services; `national` (where the scenario needs one) the national service;
    `foreign_issuer` signs credentials of another region that `instance` trusts."""

    instance: Instance
    national: Instance | None = None
    foreign_issuer: ForeignIssuer | None = None
    ids: dict = field(default_factory=dict)
    coordinator: str = field(default_factory=lambda: str(uuid.uuid4()))
    leader: str = field(default_factory=lambda: str(uuid.uuid4()))

    def call(self, method: str, service: str, path: str, body=None, *, peer: str | None = None,
             role: str = "coordinator", params=None):
        """The JSON answer of a call as `peer` (a peer's token) or as `role`; raises StepFailed on >= 300."""
        subject = peer or {"coordinator": self.coordinator, "leader": self.leader}.get(role, f"{role}-1")
        instance = self.national if service in NATIONAL_SERVICES else self.instance
        token = instance.token("peer" if peer else role, subject=subject)
        response = instance.call(method, service, path, token=token, json=body, params=params)
        if response.status_code >= 300:
            raise StepFailed(f"{method} {service}{path} answered {response.status_code}: {response.text[:600]}")
        return response.json() if response.content else {}

    def eventually(self, method: str, service: str, path: str, body=None, *, timeout: float = 60, **kwargs):
        """The same call, retried until it succeeds: for what waits on another service's event (the broker)."""
        last = []

        def succeeds():
            try:
                return {"answer": self.call(method, service, path, body, **kwargs)}
            except (StepFailed, requests.RequestException) as error:
                last[:] = [error]
                return None
        try:
            return wait_until(succeeds, timeout=timeout, interval=0.5, message=f"{method} {service}{path}")["answer"]
        except TimeoutError:
            raise StepFailed(f"{method} {service}{path} still refused after {timeout:.0f}s: {last[0]}") from None


def run_steps(scenario: Scenario, steps) -> list[str]:
    """Runs every step; returns one line per failed step (its name and why)."""
    failures = []
    for step in steps:
        try:
            step(scenario)
        except Exception as error:  # noqa: BLE001  (each step's failure is reported, the rest still run)
            failures.append(f"{step.__module__.rsplit('.', 1)[-1]}.{step.__name__}: {type(error).__name__}: {error}")
    return failures


def new_id() -> str:
    return str(uuid.uuid4())
