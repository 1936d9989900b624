"""An instance running the courses service and, where a test asks, the test-only consumer standing in for
roles (tests/support/courses_listener.py); calls as a coordinator or a peer."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from runtime import db
from runtime.messaging import topology
from runtime.messaging.consumer import consumer_queues
from tests.support.courses_listener import MIGRATIONS, NAME, CoursesListener
from tests.support.http import ok
from tests.support.instance import NAMEKO, Instance, Process, free_port


@dataclass
class CoursesInstance(Instance):
    services: tuple[str, ...] = ("courses",)

    def __post_init__(self):
        super().__post_init__()
        self.ports[NAME] = free_port()

    def create(self) -> "CoursesInstance":
        super().create()
        self.provision_database(NAME, MIGRATIONS)
        # Declared before the relay publishes, as `peer-admin declare-topology` does for real services.
        topology.declare_queues(self.amqp_uri, consumer_queues(CoursesListener))
        return self

    def destroy(self) -> None:
        try:
            super().destroy()
        finally:
            self.drop_database(NAME)

    def start_listener(self) -> Process:
        env = self.env(WEB_SERVER_ADDRESS=f"127.0.0.1:{self.ports[NAME]}")
        process = Process(NAME, [NAMEKO, "run", "--config", "deploy/nameko.yaml", "tests.support.courses_listener"],
                          env, self.logdir / f"{NAME}.log").start()
        self.processes[NAME] = process
        self.wait_ready(NAME, timeout=60)
        return process

    def seen(self) -> list[dict]:
        with db.connect(self.database_url(NAME)) as conn:
            return conn.execute("SELECT * FROM seen_events ORDER BY event_type, stream").fetchall()

    # -- calling as someone ---------------------------------------------------------------------------
    def as_coordinator(self, method, path, **kwargs):
        return self.call(method, "courses", path, roles=("coordinator",), **kwargs)

    def as_peer(self, peer_id, method, path, **kwargs):
        token = self.token("peer", subject=str(peer_id))
        return self.call(method, "courses", path, token=token, **kwargs)


def new_id() -> str:
    return str(uuid.uuid4())


def register_citizen(instance, name):
    return ok(instance.as_coordinator("POST", "/citizens", json={"name": name, "phone": "+45 12 34 56 78"}), 201)["id"]
