"""The main command with the whole country (issue 14, "Done when"): `bash deploy/up.sh --topology multi-region
--detach` starts four regions and the national instance, each with its own RabbitMQ node, loads the demo (the
national meetup created nationally, ten peers of each of the four regions signed up) and prints, per instance, what answers
where, tokens and curls; `deploy/down.sh` stops it all.

The run is a real one but never meets the machine's broker on 5672, a developer's run of the same checkout or
another test: every port shifted by a free MULTI_REGION_PORT_OFFSET (nodes named after it), its own databases
(MULTI_REGION_DB_PREFIX), state (PEER_RUN_DIR) and development secrets (PEER_DEV_SECRETS_DIR). About ten
minutes on the shared 2-core machine (12 under a load average of 40); in CI (deselect locally with -m "not slow").
"""
from __future__ import annotations

import json
import os
import random
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from admin.localnode import INSTANCES, RABBITMQ_BIN
from admin.runner import MEETUP_SERVICES, MULTI_REGION_PORTS, SERVICE_ORDER, read_profile, services_present
from runtime import db_roles
from tests.support.run_processes import run_processes
from tests.support.printed_curls import assert_printed_curls_show_the_demo

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (RABBITMQ_BIN / "rabbitmq-server").exists(), reason="no RabbitMQ server here")]


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ports(env: dict) -> list[int]:
    listed = subprocess.run([sys.executable, "-m", "admin.runner", "--topology", "multi-region", "--run-dir",
                             env["PEER_RUN_DIR"] + "/run", "ports"], env=env, cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    return [int(line.rsplit(":", 1)[1]) for line in listed.split()]


def free_offset(env: dict) -> int:
    """An offset under which every port of the run is free now (up.sh refuses a busy one anyway)."""
    for _ in range(50):
        offset = random.randrange(1000, 29000)
        if all(_free(p) for p in _ports({**env, "MULTI_REGION_PORT_OFFSET": str(offset)})):
            return offset
    raise RuntimeError("no free port offset found")


def health_ports(offset: int) -> dict[str, int]:
    """<instance>-<service> -> its HTTP port (as admin/runner.py numbers them)."""
    return {f"{instance}-{service}": MULTI_REGION_PORTS[instance][0] + offset + (SERVICE_ORDER + ("national",)).index(service) + 1
            for instance in INSTANCES for service in services_present(instance, "multi-region")}


def sections(output: str) -> dict[str, str]:
    """The newcomer's output per instance (after `[up] instance <id>`)."""
    parts = re.split(r"^\[up\] instance (\S+)$", output, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def _healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def country(tmp_path_factory):
    state = tmp_path_factory.mktemp("multi-region-run")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.update(PEER_RUN_DIR=str(state), PEER_DEV_SECRETS_DIR=str(state / "dev-secrets"), PEER_DEV_MODE="1",
               MULTI_REGION_DB_PREFIX=f"mrt{uuid.uuid4().hex[:6]}_", COLUMNS="250")
    env["MULTI_REGION_PORT_OFFSET"] = str(free_offset(env))

    def script(name: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", f"deploy/{name}", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)

    up = script("up.sh", "--topology", "multi-region", "--detach", "--no-bootstrap", "--timeout", "480")
    run_id = (state / "run" / "up.run").read_text().strip() if (state / "run" / "up.run").exists() else None
    try:
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        yield {"env": env, "state": state, "output": up.stdout, "run_id": run_id, "script": script,
               "offset": int(env["MULTI_REGION_PORT_OFFSET"])}
    finally:
        script("down.sh", "--timeout", "30", timeout=300)
        for instance in INSTANCES:
            prefix = env["MULTI_REGION_DB_PREFIX"] + read_profile(instance)["DB_PREFIX"]
            for service in (*services_present(instance, "multi-region"), "vault"):
                db_roles.drop(read_profile(instance)["PG_URL"], db_roles.roles_for(prefix, service))


def test_every_service_of_every_instance_is_healthy_on_its_own_broker(country):
    """Guards `--topology multi-region`: each instance's services answer /health, each on a broker of its own,
    none on the machine's 5672."""
    ports = health_ports(country["offset"])
    regions = [i for i in INSTANCES if i != "national"]
    # two full regions, two meetup regions (roles and network: MULTI_REGION_SERVICES), the national instance
    assert len(regions) == 4 and len(ports) == 2 * len(SERVICE_ORDER) + 2 * len(MEETUP_SERVICES) + len(SERVICE_ORDER) + 1
    assert [name for name, port in ports.items() if not _healthy(port)] == []
    config = (country["state"] / "run" / "supervisord.conf").read_text()
    uris = set(re.findall(r'AMQP_URI="([^"]+)"', config))
    assert len(uris) == len(INSTANCES) and not any(":5672/" in uri for uri in uris), uris


def test_each_region_prints_curls_that_show_its_demo_data(country):
    """Guards the newcomer's output at each region: its curls, run as printed, answer with the demo's data,
    and the national overview row points at the national instance of this run."""
    national_port = health_ports(country["offset"])["national-national"]
    for region in (i for i in INSTANCES if i != "national"):
        section = sections(country["output"])[region]
        assert_printed_curls_show_the_demo(section)
        assert f"http://127.0.0.1:{national_port}/national/picture" in section


def _run(command: str) -> tuple[str, str]:
    answered = subprocess.run(command + " -w '\\n%{http_code}'", shell=True, capture_output=True, text=True,
                              timeout=30)
    body, status = answered.stdout.rsplit("\n", 1)
    return status, body


def test_the_national_welcome_shows_the_national_picture_with_the_demos_meetup(country):
    """Guards the national instance's welcome: the overview URL, a national coordinator token, and curls which,
    run as printed, show the demo's meetup and the four regions' ten sign-ups each in the national picture."""
    section = sections(country["output"])["national"]
    assert "/national/picture" in section and "\nexport TOKEN_NATIONAL_COORDINATOR=ey" in section
    commands = [line for line in section.splitlines() if line.startswith("curl ")]
    assert len(commands) == 3, section[-3000:]
    answers = [_run(c) for c in commands]
    assert [status for status, _ in answers] == ["200"] * 3, answers
    picture, events, csv = (body for _, body in answers)
    (sign_ups,) = [m for m in json.loads(picture)["measures"] if m["measure"] == "national_event_sign_ups"]
    assert {t["region"]: t["value"] for t in sign_ups["region_totals"]} == {
        "region-1081": 10, "region-1082": 10, "region-1084": 10, "region-1085": 10}
    assert sign_ups["total"] == {"value": 40, "suppressed": False}
    (meetup,) = json.loads(events)
    assert meetup["title"].endswith("(demo)") and meetup["accepted"] == 40
    assert "national_event_sign_ups,total,total,40,false" in csv


def test_the_demo_loads_again_without_creating_anything(country):
    """Guards idempotency across the country: a second load (national first, then the regions) creates nothing."""
    again = subprocess.run([sys.executable, "-m", "admin.runner", "--topology", "multi-region", "--run-dir",
                            str(country["state"] / "run"), "--log-dir", str(country["state"] / "log"), "newcomer"],
                           env=country["env"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert again.stdout.count("demo data: 0 object(s) created") == len(INSTANCES), again.stdout[-3000:]


def test_down_stops_every_process_of_the_country(country):
    """Guards deploy/down.sh for the multi-region run: brokers and services gone, their ports closed (last)."""
    assert country["run_id"] and run_processes(country["run_id"])
    down = country["script"]("down.sh", "--timeout", "30", timeout=300)
    assert down.returncode == 0, down.stdout + down.stderr
    assert run_processes(country["run_id"]) == []
    assert not any(_healthy(port) for port in health_ports(country["offset"]).values())
