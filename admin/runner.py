"""The local runner's plan: which processes run, with which environment, under supervisord (deploy/up.sh).

`deploy/Procfile` stays the one list of what an instance runs (a service and its outbox relay per service that
exists). This module turns it into a supervisord configuration for a topology:

- `single`: one instance, its environment from the caller (deploy/up.sh loads the profile), processes named as
  in the Procfile (`roles`, `relay-roles`, ...).
- `multi-region`: region-1084, region-1085, region-1081, region-1082 and national, each with its own RabbitMQ node
  (admin/localnode.py) and its own databases (`mr_<profile DB_PREFIX>`), processes named `<instance>-<process>`,
  host ports as the compose variant publishes them (8101-8104, 8201-8204, 8401-8404, 8501-8504, 8301-8305).

supervisord restarts a process that dies (autorestart, with its back-off when it keeps dying at start-up) and
logs each exit and restart in its own log; every process it starts carries `PEER_RUN_ID` in its environment, so
deploy/down.sh finds and stops them even when supervisord itself was killed.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from admin.services import NATIONAL_SERVICES, SERVICES_VARIABLE, services_of
from admin.localnode import INSTANCES, LocalNode, port_offset, runner_nodes

ROOT = Path(__file__).resolve().parents[1]
PROCFILE = ROOT / "deploy" / "Procfile"
SERVICE_ORDER = ("roles", "courses", "network", "notifications")
# Multi-region host ports, per instance: HTTP base + 1..4 (as deploy/multi-region/docker-compose.yml publishes
# them) and relay metrics base + 1..4.
MULTI_REGION_PORTS = {"region-1084": (8100, 9110), "region-1085": (8200, 9120), "region-1081": (8400, 9140),
                      "region-1082": (8500, 9150), "national": (8300, 9130)}
MULTI_REGION_DB_PREFIX = "mr_"  # MULTI_REGION_DB_PREFIX in the environment replaces it (a test's own databases)
SINGLE_DEFAULT_PORTS = {"roles": (8001, 9101), "courses": (8002, 9102), "network": (8003, 9103),
                        "notifications": (8004, 9104), "national": (8005, 9105)}
# The two regions added for the national meetup run only what it needs (their peers in roles, the sign-ups in
# network): four full regions started ~42 processes and took ~9 minutes to healthy on a 2-core machine
# (deploy/README.md, "Four regions and the national instance").
MEETUP_SERVICES = ("roles", "network")
MULTI_REGION_SERVICES = {"region-1081": MEETUP_SERVICES, "region-1082": MEETUP_SERVICES}
WITHOUT_RELAY: tuple[str, ...] = ()  # the national service's relay publishes its downlink (national events)
# `PEER_REPLICAS` (deploy/up.sh --replicas N): how many copies of each service and of each relay the single topology
# runs. Replica r >= 2 is `<process>-<r>` and listens REPLICA_PORT_STEP * (r - 1) above the first one (roles-2 on
# 8011, relay-roles-2's metrics on 9111), the ports the compose file publishes its second replicas on.
REPLICA_PORT_STEP = 10
MAX_REPLICAS = 9  # so that replica ports stay below the next service's block of ten


def replicas() -> int:
    raw = os.environ.get("PEER_REPLICAS", "1") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_REPLICAS:
        raise SystemExit(f"PEER_REPLICAS must be a whole number from 1 to {MAX_REPLICAS}, not {raw!r}")
    return int(raw)


@dataclass
class Program:
    name: str
    command: str
    group: str  # "brokers" or "apps"
    env: dict[str, str] = field(default_factory=dict)
    health_port: int | None = None
    listens_on: tuple[int, ...] = ()  # refused up front when already in use
    stop_wait: int = 20


def procfile_entries(path: Path = PROCFILE) -> dict[str, str]:
    entries = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if match:
            entries[match.group(1)] = match.group(2)
    return entries


def services_present(instance: str, topology: str = "single") -> list[str]:
    """The services `instance` runs (admin.services.services_of: the national one only at the national
    instance; in multi-region, MULTI_REGION_SERVICES for the meetup regions) that are built: a service without
    services/<name>/service.py is not run (yet)."""
    env = ({SERVICES_VARIABLE: ",".join(MULTI_REGION_SERVICES.get(instance, ()))} if topology == "multi-region"
           else None)
    return [s for s in services_of(instance, env) if (ROOT / "services" / s / "service.py").is_file()]


def read_profile(instance: str) -> dict[str, str]:
    from runtime.config import profile_path, read_env_file

    return read_env_file(profile_path(instance))


def _app_programs(services: list[str], prefix: str = "", env: dict[str, str] | None = None,
                  ports: dict[str, tuple[int, int]] | None = None, copies: int = 1) -> list[Program]:
    programs = _first_replicas(services, prefix, env, ports)
    return programs if copies == 1 else _with_replicas(programs, copies)


def _with_replicas(firsts: list[Program], copies: int) -> list[Program]:
    """Each program of the first replica, then its copies `<name>-2`, ... on ports REPLICA_PORT_STEP apart."""
    programs = []
    for first in firsts:
        programs.append(first)
        for replica in range(2, copies + 1):
            shift = REPLICA_PORT_STEP * (replica - 1)
            env = dict(first.env)
            service = first.name.removeprefix("relay-")
            if first.health_port:
                env[f"HTTP_PORT_{service.upper()}"] = str(first.health_port + shift)
            else:
                env[f"RELAY_METRICS_PORT_{service.upper()}"] = str(first.listens_on[0] + shift)
            programs.append(Program(f"{first.name}-{replica}", first.command, first.group, env,
                                    first.health_port and first.health_port + shift,
                                    tuple(port + shift for port in first.listens_on), first.stop_wait))
    return programs


def _first_replicas(services: list[str], prefix: str = "", env: dict[str, str] | None = None,
                    ports: dict[str, tuple[int, int]] | None = None) -> list[Program]:
    entries = procfile_entries()
    programs = []
    for service in services:
        for process in (service,) if service in WITHOUT_RELAY else (service, f"relay-{service}"):
            if process not in entries:
                raise SystemExit(f"deploy/Procfile has no entry {process!r} for the service {service}")
        program_env = dict(env or {})
        if ports:
            http, metrics = ports[service]
            program_env[f"HTTP_PORT_{service.upper()}"] = str(http)
            program_env[f"RELAY_METRICS_PORT_{service.upper()}"] = str(metrics)
        http_port, metrics_port = (int(program_env.get(f"{var}_{service.upper()}")
                                       or os.environ.get(f"{var}_{service.upper()}") or default)
                                   for var, default in zip(("HTTP_PORT", "RELAY_METRICS_PORT"),
                                                           SINGLE_DEFAULT_PORTS[service]))
        programs.append(Program(f"{prefix}{service}", entries[service], "apps", program_env, http_port,
                                (http_port,)))
        if service in WITHOUT_RELAY:
            continue
        programs.append(Program(f"{prefix}relay-{service}", entries[f"relay-{service}"], "apps", dict(program_env),
                                listens_on=(metrics_port,)))
    return programs


def multi_region_ports(instance: str) -> tuple[int, int]:
    """(HTTP base, relay metrics base) of an instance of the multi-region run, shifted by
    MULTI_REGION_PORT_OFFSET (admin/localnode.py)."""
    http, metrics = MULTI_REGION_PORTS[instance]
    return http + port_offset(), metrics + port_offset()


def instance_env(instance: str, node: LocalNode) -> dict[str, str]:
    """The instance's profile with its own broker and its own multi-region databases (and, when
    PEER_DEV_SECRETS_DIR is set, its development secrets in <dir>/<instance>.env)."""
    env = read_profile(instance)
    env["AMQP_URI"] = node.amqp_uri()
    prefix = os.environ.get("MULTI_REGION_DB_PREFIX") or MULTI_REGION_DB_PREFIX
    env["DB_PREFIX"] = prefix + env.get("DB_PREFIX", f"{instance.replace('-', '')}_")
    if os.environ.get("PEER_DEV_SECRETS_DIR"):
        env["PEER_DEV_SECRETS_FILE"] = str(Path(os.environ["PEER_DEV_SECRETS_DIR"]) / f"{instance}.env")
    if instance != "national":
        env["CREDENTIAL_ISSUERS"] = credential_issuers(instance)
    if instance in MULTI_REGION_SERVICES:
        env[SERVICES_VARIABLE] = ",".join(MULTI_REGION_SERVICES[instance])
    return env


def credential_issuers(instance: str) -> str:
    """The other regions of the run, whose competence credentials this one verifies against the JWKS their
    courses service serves on the host (services/courses/credentials.py)."""
    courses = SERVICE_ORDER.index("courses") + 1
    return ",".join(f"{other}=http://127.0.0.1:{multi_region_ports(other)[0] + courses}/.well-known/jwks.json"
                    for other in INSTANCES if other not in (instance, "national")
                    and "courses" in services_present(other, "multi-region"))


def plan(topology: str, run_dir: Path) -> list[Program]:
    if topology == "single":
        return _app_programs(services_present(os.environ.get("INSTANCE_ID", "region-1084")), copies=replicas())
    if replicas() != 1:
        raise SystemExit("PEER_REPLICAS (--replicas) is for --topology single")
    programs = []
    nodes = {node.instance: node for node in runner_nodes(run_dir / "multi-region")}
    for instance in INSTANCES:
        node = nodes[instance].prepare()
        programs.append(Program(f"{instance}-rabbitmq", " ".join(node.command()), "brokers", node.env(),
                                listens_on=tuple(node.ports.values()), stop_wait=60))
    for instance in INSTANCES:
        http, metrics = multi_region_ports(instance)
        ports = {s: (http + i, metrics + i) for i, s in enumerate(SERVICE_ORDER + NATIONAL_SERVICES, start=1)}
        programs += _app_programs(services_present(instance, topology), f"{instance}-",
                                  instance_env(instance, nodes[instance]), ports)
    return programs


def instance_envs(topology: str, run_dir: Path) -> dict[str, dict[str, str]]:
    """Per instance, the environment its migrations and topology declaration run with."""
    if topology == "single":
        return {os.environ.get("INSTANCE_ID", "region-1084"): {}}
    nodes = {node.instance: node for node in runner_nodes(run_dir / "multi-region")}
    return {instance: instance_env(instance, nodes[instance]) for instance in INSTANCES}


def _quote(value: str) -> str:
    return '"' + value.replace("%", "%%").replace('"', '\\"') + '"'


def supervisord_config(programs: list[Program], run_dir: Path, log_dir: Path) -> str:
    sections = [
        "; Rendered by admin/runner.py for deploy/up.sh: do not edit.",
        "[supervisord]",
        f"logfile={log_dir / 'up.log'}", "logfile_maxbytes=10MB", "logfile_backups=2",
        f"pidfile={run_dir / 'supervisord.pid'}", f"directory={ROOT}", "nodaemon=true", "silent=true",
        "", "[unix_http_server]", f"file={run_dir / 'supervisor.sock'}", "chmod=0700",
        "", "[supervisorctl]", f"serverurl=unix://{run_dir / 'supervisor.sock'}",
        "", "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    ]
    for program in programs:
        broker = program.group == "brokers"
        sections += [
            "", f"[program:{program.name}]",
            # sh -c runs the Procfile line as honcho did (${VAR:-default} expansion); it execs the process itself
            f"command=/bin/sh -c {_quote(program.command)}",
            f"directory={ROOT}",
            "autostart=" + ("true" if broker else "false"),
            "autorestart=true",
            # a process that dies within startsecs of starting is retried with a growing delay (1 s, 2 s, ...)
            f"startsecs={10 if broker else 3}", "startretries=10",
            "stopsignal=TERM", f"stopwaitsecs={program.stop_wait}", "stopasgroup=true", "killasgroup=true",
            "redirect_stderr=true", f"stdout_logfile={log_dir / (program.name + '.log')}",
            "stdout_logfile_maxbytes=10MB", "stdout_logfile_backups=2",
        ]
        if program.env:
            sections.append("environment=" + ",".join(f"{k}={_quote(v)}" for k, v in program.env.items()))
    for group in ("brokers", "apps"):
        members = [p.name for p in programs if p.group == group]
        if members:
            sections += ["", f"[group:{group}]", "programs=" + ",".join(members)]
    return "\n".join(sections) + "\n"


def _healthy(port: int) -> bool:
    import requests

    try:
        return requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok
    except requests.RequestException:
        return False


def wait_healthy(programs: list[Program], timeout: float) -> list[str]:
    """Waits until every service answers GET /health, with a progress bar (rich); returns the ones that did not."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    pending = {p.name: p.health_port for p in programs if p.health_port}
    deadline = time.monotonic() + timeout
    columns = (SpinnerColumn(), TextColumn("\\[up] {task.description}"), BarColumn(), TextColumn("{task.completed}/"
               "{task.total}"), TimeElapsedColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task(f"waiting for {', '.join(pending)}", total=len(pending))
        while pending and time.monotonic() < deadline:
            for name, port in list(pending.items()):
                if _healthy(port):
                    progress.console.print(f"[up] {name} healthy on http://127.0.0.1:{port}/health", highlight=False,
                                           markup=False)
                    del pending[name]
                    progress.update(task, advance=1, description=f"waiting for {', '.join(pending)}" if pending
                                    else "every service healthy")
            if pending:
                time.sleep(0.5)
    return sorted(pending)


def migrate(topology: str, run_dir: Path) -> None:
    """`peer-admin migrate` then `declare-topology` for each instance; the instances side by side (each has its
    own databases and broker: run one after the other, the five of multi-region took ~4 minutes of the start on
    a loaded 2-core machine). Each instance's output is printed whole once its steps end."""
    from concurrent.futures import ThreadPoolExecutor

    peer_admin = str(Path(sys.executable).with_name("peer-admin"))

    def steps(instance: str, env: dict[str, str]) -> tuple[str, int]:
        lines = []
        for step in ("migrate", "declare-topology"):
            lines.append(f"[up] instance {instance}: peer-admin {step}")
            done = subprocess.run([peer_admin, step], env={**os.environ, **env}, cwd=ROOT, capture_output=True,
                                  text=True)
            lines.append((done.stdout + done.stderr).rstrip("\n"))
            if done.returncode:
                return "\n".join(lines), done.returncode
        return "\n".join(lines), 0

    envs = instance_envs(topology, run_dir)
    with ThreadPoolExecutor(max_workers=len(envs)) as pool:
        results = list(pool.map(lambda item: steps(*item), envs.items()))
    for output, _ in results:
        print(output, flush=True)
    failed = [instance for instance, (_, code) in zip(envs, results) if code]
    if failed:
        raise SystemExit(f"[up] ERROR: migrations failed at {', '.join(failed)}")


def http_envs(topology: str, run_dir: Path) -> dict[str, dict[str, str]]:
    """Per instance, its environment with where its services and relays answer (HTTP_PORT_<SERVICE>, ...)."""
    envs = instance_envs(topology, run_dir)
    if topology == "multi-region":
        for instance, env in envs.items():
            http, metrics = multi_region_ports(instance)
            for i, service in enumerate(SERVICE_ORDER + NATIONAL_SERVICES, start=1):
                env[f"HTTP_PORT_{service.upper()}"] = str(http + i)
                env[f"RELAY_METRICS_PORT_{service.upper()}"] = str(metrics + i)
            # where a region's welcome points for the national overview (demo/welcome.py)
            env["NATIONAL_URL"] = f"http://127.0.0.1:{multi_region_ports('national')[0] + len(SERVICE_ORDER) + 1}"
    return envs


def newcomer(topology: str, run_dir: Path, demo: bool) -> int:
    """After start: the demo data (unless --no-demo), then what answers where. In multi-region the national
    instance first (it creates the national meetup), then the regions (their peers sign up for it, and each waits
    for the national answers, so the national picture is filled when the welcome is printed)."""
    peer_admin = str(Path(sys.executable).with_name("peer-admin"))
    envs = http_envs(topology, run_dir)
    if demo:
        for instance in sorted(envs, key=lambda i: i != "national"):
            print(f"[up] loading the demo data into {instance} (skip with --no-demo)", flush=True)
            wait = ["--wait-for-announcement", "90"] if topology == "multi-region" and instance != "national" else []
            if subprocess.run([peer_admin, "demo", "load", *wait], env={**os.environ, **envs[instance]},
                              cwd=ROOT).returncode:
                print("[up] ERROR: the demo data could not be loaded (deploy/up.sh --no-demo skips it)",
                      file=sys.stderr)
                return 1
    for instance, env in envs.items():
        if topology == "multi-region":
            print(f"[up] instance {instance}", flush=True)
        subprocess.run([peer_admin, "welcome"], env={**os.environ, **env}, cwd=ROOT, check=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin.runner", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["config", "migrate", "wait-healthy", "ports", "newcomer"])
    parser.add_argument("--topology", choices=["single", "multi-region"], default="single")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "var" / "run")
    parser.add_argument("--log-dir", type=Path, default=ROOT / "var" / "log")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--no-demo", action="store_true", help="newcomer: do not load the demo data")
    args = parser.parse_args(argv)
    state_dir = args.run_dir.parent
    programs = plan(args.topology, state_dir)
    if args.action == "config":
        args.run_dir.mkdir(parents=True, exist_ok=True)
        args.log_dir.mkdir(parents=True, exist_ok=True)
        sys.stdout.write(supervisord_config(programs, args.run_dir, args.log_dir))
    elif args.action == "migrate":
        migrate(args.topology, state_dir)
    elif args.action == "ports":
        for program in programs:
            for port in program.listens_on:
                print(f"{program.name}:{port}")
    elif args.action == "newcomer":
        return newcomer(args.topology, state_dir, demo=not args.no_demo)
    elif args.action == "wait-healthy":
        missing = wait_healthy(programs, args.timeout)
        if missing:
            print(f"[up] ERROR: not healthy after {args.timeout:.0f}s: {' '.join(missing)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
