"""More than one replica of a service or relay on a throwaway instance (tests/support/instance.py): the second
and later copies run the same command with their own HTTP or metrics port, as `deploy/up.sh --replicas N` runs
them (admin/runner.py). Named `<service>-<n>` and `<service>-relay-<n>`; the first replica keeps its name."""
from __future__ import annotations

import re
import sys

import requests

from runtime.messaging import topology
from runtime.messaging.consumer import consumer_queues
from tests.support.counting_service import MIGRATIONS, CounterService
from tests.support.instance import NAMEKO, Instance, Process, free_port

COUNTER = "counter"  # the test-only consumer (tests/support/counting_service.py), as tests/faults/harness.py names it


def start_service_replica(instance: Instance, service: str, replica: int, wait: bool = True,
                          timeout: float = 60) -> Process:
    name = f"{service}-{replica}"
    instance.ports[name] = port = free_port()
    process = Process(name, [NAMEKO, "run", "--config", "deploy/nameko.yaml", f"services.{service}.service"],
                      instance.env(WEB_SERVER_ADDRESS=f"127.0.0.1:{port}"), instance.logdir / f"{name}.log").start()
    instance.processes[name] = process
    if wait:
        instance.wait_ready(name, timeout=timeout)
    return process


def start_relay_replica(instance: Instance, service: str, replica: int) -> tuple[Process, int]:
    """A relay of `service` serving its metrics on a port of its own: (the process, that port)."""
    name = f"{service}-relay" + (f"-{replica}" if replica > 1 else "")
    port = free_port()
    process = Process(name, [sys.executable, "-m", "runtime.messaging.relay", service, f"--metrics-port={port}"],
                      instance.env(), instance.logdir / f"{name}.log").start()
    instance.processes[name] = process
    return process, port


def relay_published(port: int) -> float:
    """`relay_published_events_total` of the relay serving metrics on `port` (0 for a standby, None if down)."""
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except requests.RequestException:
        return None
    match = re.search(r"^relay_published_events_total\{[^}]*\} ([0-9.e+]+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def consumer_applied(instance: Instance, name: str, consumer: str) -> float:
    """`consumer_applied_events_total` of one replica's consumer, from its /metrics (an admin's token)."""
    text = instance.call("GET", name, "/metrics", roles=("admin",)).text
    match = re.search(r'^consumer_applied_events_total\{consumer="%s"\} ([0-9.e+]+)$' % re.escape(consumer), text,
                      re.M)
    return float(match.group(1)) if match else 0.0


def with_counter(instance: Instance) -> Instance:
    """The created instance with the test-only `counter` consumer's database and queues."""
    instance.create()
    instance.provision_database(COUNTER, MIGRATIONS)
    topology.declare_queues(instance.amqp_uri, consumer_queues(CounterService))
    return instance


def destroy_with_counter(instance: Instance) -> None:
    try:
        instance.destroy()
    finally:
        instance.drop_database(COUNTER)


def start_counter(instance: Instance, name: str, timeout: float = 90) -> Process:
    """One replica of the `counter` consumer, on a port of its own."""
    instance.ports[name] = port = free_port()
    process = Process(name, [NAMEKO, "run", "--config", "deploy/nameko.yaml", "tests.support.counting_service"],
                      instance.env(WEB_SERVER_ADDRESS=f"127.0.0.1:{port}"), instance.logdir / f"{name}.log").start()
    instance.processes[name] = process
    instance.wait_ready(name, timeout=timeout)
    return process
