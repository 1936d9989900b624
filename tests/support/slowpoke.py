"""A service with one deliberately slow query (tests/support/slow_service.py), started as `nameko run`, and
its readiness: for the tests of what a slow query must not freeze."""
from __future__ import annotations

import requests

from tests.support.instance import NAMEKO, Instance, Process, free_port


def start_slowpoke(tmp_path, **env):
    instance = Instance(services=(), workdir=tmp_path)
    instance.provision_database("slowpoke")
    port = free_port()
    process = Process("slowpoke", [NAMEKO, "run", "--config", "deploy/nameko.yaml", "tests.support.slow_service"],
                      instance.env(WEB_SERVER_ADDRESS=f"127.0.0.1:{port}", AMQP_URI=instance.amqp_uri.rsplit("/", 1)[0] + "/", **env),
                      tmp_path / "slowpoke.log").start()
    return process, f"http://127.0.0.1:{port}", instance


def ready(base_url):
    try:
        return requests.get(f"{base_url}/ready", timeout=5).status_code == 200
    except requests.RequestException:
        return False
