"""The local runner supervises its processes (deploy/up.sh, admin/runner.py, supervisord, deploy/down.sh).

What it guards: under honcho one process killed with kill -9 stopped all the others (a notifications crash took
the roles API down with it). Now a killed process is restarted and reported while the others keep answering,
and deploy/down.sh stops every process of the run even after the manager itself was killed with kill -9.
The run is a real one: up.sh with a throwaway instance (own vhost and databases, random ports) and its own
state directory (PEER_RUN_DIR), so it never meets a developer's run of the same checkout.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from admin.runner import MULTI_REGION_DB_PREFIX, plan, read_profile, supervisord_config
from tests.support.printed_curls import assert_printed_curls_show_the_demo
from tests.support.instance import Instance, free_port, wait_until
from tests.support.run_processes import run_processes

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("roles", "courses", "notifications")


class Run:
    def __init__(self, instance: Instance, state: Path):
        self.instance, self.state = instance, state
        self.ports = {s: free_port() for s in SERVICES}
        env_file = state / "instance.env"
        lines = {"INSTANCE_ID": instance.instance_id, "AMQP_URI": instance.amqp_uri, "PG_URL": instance.pg_url,
                 "DB_PREFIX": instance.db_prefix, "JWT_SECRET": instance.jwt_secret,
                 "VAULT_MASTER_KEY": instance.vault_master_key, "PSEUDONYM_SECRET": instance.pseudonym_secret}
        for service, port in self.ports.items():
            lines[f"HTTP_PORT_{service.upper()}"] = str(port)
            lines[f"RELAY_METRICS_PORT_{service.upper()}"] = str(free_port())
        env_file.write_text("".join(f"{k}={v}\n" for k, v in lines.items()))
        self.env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
        self.env["PEER_RUN_DIR"] = str(state)
        self.env_file = env_file

    def script(self, name: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", f"deploy/{name}", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def ctl(self, *args: str) -> str:
        return subprocess.run([str(ROOT / ".venv/bin/supervisorctl"), "-c", str(self.state / "run/supervisord.conf"),
                               *args], capture_output=True, text=True, timeout=30).stdout.strip()

    def pid(self, program: str) -> int:
        return int(self.ctl("pid", f"apps:{program}") or 0)

    @property
    def run_id(self) -> str:
        return (self.state / "run" / "up.run").read_text().strip()

    def healthy(self, service: str) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{self.ports[service]}/health", timeout=1).ok
        except requests.RequestException:
            return False


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    state = tmp_path_factory.mktemp("runner")
    instance = Instance(services=SERVICES, workdir=state).create()
    started = Run(instance, state)
    result = started.script("up.sh", "--env-file", str(started.env_file), "--detach", "--no-bootstrap",
                            "--timeout", "90")
    try:
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        started.output = result.stdout
        yield started
    finally:
        started.script("down.sh", "--timeout", "20")
        instance.destroy()


def test_up_loads_the_demo_and_prints_curl_commands_that_work_as_printed(run):
    """Guards issue 14 items 1 and 2: the main command loads the seeds' demo data, then prints what answers
    where, a development token per role and three curl commands which, run as printed, answer 200 with it."""
    assert "demo data:" in run.output and "What answers where" in run.output, run.output[-3000:]
    assert f"http://127.0.0.1:{run.ports['roles']}/openapi.json" in run.output
    assert_printed_curls_show_the_demo(run.output)


def test_a_killed_service_is_restarted_and_the_others_keep_serving(run):
    others = [s for s in SERVICES if s != "roles"]
    failures: list[str] = []
    stop = threading.Event()

    def probe():
        while not stop.is_set():
            failures.extend(s for s in others if not run.healthy(s))
            time.sleep(0.1)

    killed = run.pid("roles")
    assert killed and run.healthy("roles")
    prober = threading.Thread(target=probe)
    prober.start()
    try:
        os.kill(killed, signal.SIGKILL)
        wait_until(lambda: run.pid("roles") not in (0, killed) and run.healthy("roles"), 60,
                   interval=0.2, message="roles restarted and healthy")
        time.sleep(1)
    finally:
        stop.set()
        prober.join(10)
    assert not failures, f"other services stopped answering /health: {failures[:5]}"
    log = (run.state / "log" / "up.log").read_text()
    assert "exited: roles (terminated by SIGKILL; not expected)" in log, "the death is reported"


def test_down_stops_every_process_after_the_manager_was_killed(run):
    run_id = run.run_id
    manager = int((run.state / "run" / "up.pid").read_text())
    os.kill(manager, signal.SIGKILL)
    wait_until(lambda: manager not in run_processes(run_id), 10, message="supervisord gone")
    assert run_processes(run_id), "the services outlive a killed manager: down.sh must find them"
    result = run.script("down.sh", "--timeout", "20", timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    assert run_processes(run_id) == []
    assert not any(run.healthy(s) for s in SERVICES)


def test_multi_region_plan_gives_each_instance_its_own_broker_databases_and_ports(tmp_path):
    programs = {p.name: p for p in plan("multi-region", tmp_path)}
    from admin.localnode import INSTANCES as instances

    assert len(instances) == 5
    brokers = [programs[f"{i}-rabbitmq"] for i in instances]
    assert {b.env["RABBITMQ_NODENAME"] for b in brokers} == {f"peer-{i}@localhost" for i in instances}
    assert len({b.listens_on for b in brokers}) == len(instances) and 5672 not in {p for b in brokers for p in b.listens_on}
    apps = [p for p in programs.values() if p.group == "apps"]
    for instance in instances:
        own = [p for p in apps if p.name.startswith(f"{instance}-")]
        amqp_port = programs[f"{instance}-rabbitmq"].listens_on[0]
        assert own and {p.env["AMQP_URI"] for p in own} == {f"amqp://peer:peer@127.0.0.1:{amqp_port}/"}
        assert {p.env["DB_PREFIX"] for p in own} == {MULTI_REGION_DB_PREFIX + read_profile(instance)["DB_PREFIX"]}
        assert {p.env["INSTANCE_ID"] for p in own} == {instance}
    assert len({p.env["AMQP_URI"] for p in apps}) == len(instances) == len({p.env["DB_PREFIX"] for p in apps})
    # the meetup regions run roles and network with their relays, and say so to every process
    for region in ("region-1081", "region-1082"):
        own = {p.name: p for p in apps if p.name.startswith(f"{region}-")}
        assert set(own) == {f"{region}-{s}" for s in ("roles", "relay-roles", "network", "relay-network")}
        assert {p.env["INSTANCE_SERVICES"] for p in own.values()} == {"roles,network"}
    # the national service only at the national instance, with its relay (the downlink)
    assert programs["national-national"].health_port == 8305 and "national-relay-national" in programs
    assert not {f"{i}-national" for i in instances if i != "national"} & set(programs)
    ports = [port for p in programs.values() for port in p.listens_on]
    assert len(ports) == len(set(ports)), "no two processes listen on one port"
    config = supervisord_config(list(programs.values()), tmp_path / "run", tmp_path / "log")
    assert "[group:brokers]" in config and "[group:apps]" in config and "autorestart=true" in config
