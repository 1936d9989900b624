"""RabbitMQ nodes of their own on this machine, one per instance of the multi-region topology.

The local runner (`deploy/up.sh --topology multi-region`) runs four regions and the national instance, the tests
(`tests/support/topology.py`) two regions and the national instance, each with its own broker, without Docker: a node per instance with its own
node name, AMQP / management / Erlang distribution ports and data and log directories, sharing the Erlang
cookie of the machine's RabbitMQ (`/var/lib/rabbitmq/.erlang.cookie`, so `rabbitmqctl -n <node>` works).

Each node loads the SAME definitions docker-compose's multi-region variant mounts
(`deploy/multi-region/rabbitmq/<instance>.definitions.json`). They name the other brokers by their compose
hostnames (`national-rabbitmq:5672`); rendering replaces those, in the shovel URIs only, with this machine's
address and the port of that instance's local node; a link to an instance that is not part of the run (the tests
start two of the four regions) is left out. Everything else is loaded as written.

Any number of regions (`render_definitions(..., regions=...)`, the aggregation benchmark's ten): a region's
definitions are region-1084's file with its name replaced (`TEMPLATE_REGION`), and the national node's are its
file with region-1084's users, permissions, downlink shovels, queues and bindings repeated for each region (an
uplink user missing from the file gets the hash of its development password, `<user>-dev`). Without `regions`,
the files are loaded exactly as written, as for the fixed `INSTANCES` (and a region that has a file is
always loaded from it).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFINITIONS_DIR = ROOT / "deploy" / "multi-region" / "rabbitmq"
CONTAINER_CONFIG = ROOT / "deploy" / "rabbitmq" / "rabbitmq.conf"
PLUGINS_FILE = ROOT / "deploy" / "rabbitmq" / "enabled_plugins"
REGIONS = ("region-1084", "region-1085", "region-1081", "region-1082")
INSTANCES = (*REGIONS, "national")
RABBITMQ_BIN = Path(os.environ.get("RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))
# The cookie of the machine's own node: every local node shares it, so the CLI tools reach them all.
ERLANG_COOKIE_HOME = os.environ.get("RABBITMQ_COOKIE_HOME", "/var/lib/rabbitmq")
# The application user the definitions create (development password; see deploy/README.md).
APP_USER, APP_PASSWORD = "peer", "peer"
# The local runner's fixed ports (the compose variant publishes the management UIs on the same ones).
RUNNER_PORTS = {
    "region-1084": {"amqp": 5684, "management": 15684, "dist": 25684},
    "region-1085": {"amqp": 5685, "management": 15685, "dist": 25685},
    "region-1081": {"amqp": 5681, "management": 15681, "dist": 25681},
    "region-1082": {"amqp": 5682, "management": 15682, "dist": 25682},
    "national": {"amqp": 5690, "management": 15690, "dist": 25690},
}
# `MULTI_REGION_PORT_OFFSET` shifts every port of the runner's multi-region topology (brokers, services, relays)
# and gives its nodes names of their own, so a second run (a test) never meets a developer's run or the machine's
# broker on 5672.
PORT_OFFSET_VARIABLE = "MULTI_REGION_PORT_OFFSET"
_PEER_HOST = re.compile(r"@(?P<instance>[a-z0-9-]+)-rabbitmq:5672")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def random_ports(instances=INSTANCES) -> dict[str, dict[str, int]]:
    return {instance: {"amqp": free_port(), "management": free_port(), "dist": free_port()} for instance in instances}


# The region whose definitions file is the template of any other region's (`regions=` below).
TEMPLATE_REGION = "region-1084"


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt + sha256(salt + password)), a 4-byte salt."""
    salt = os.urandom(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def _as_region(value, region: str):
    """A JSON value of the template region's definitions, with the template region's name replaced by `region`."""
    return json.loads(json.dumps(value).replace(TEMPLATE_REGION, region))


def _mentions(item: dict, region: str) -> bool:
    return region in json.dumps(item)


def template_definitions(instance: str, regions) -> dict:
    """The definitions of `instance` in a topology of `regions` (any number): see the module's docstring."""
    if instance != "national":
        if instance not in regions:
            raise ValueError(f"{instance}: not one of the regions {', '.join(regions)}")
        if (DEFINITIONS_DIR / f"{instance}.definitions.json").exists():  # a region of its own file: as written
            return json.loads((DEFINITIONS_DIR / f"{instance}.definitions.json").read_text())
        return _as_region(json.loads((DEFINITIONS_DIR / f"{TEMPLATE_REGION}.definitions.json").read_text()), instance)
    written = json.loads((DEFINITIONS_DIR / "national.definitions.json").read_text())
    in_file = {path.name.removesuffix(".definitions.json") for path in DEFINITIONS_DIR.glob("*.definitions.json")}
    per_region = ("users", "permissions", "parameters", "queues", "bindings")
    definitions = {key: (value if key not in per_region else
                         [item for item in value if not any(_mentions(item, r) for r in in_file - {"national"})])
                   for key, value in written.items()}
    hashes = {user["name"]: user["password_hash"] for user in written["users"]}
    for region in regions:
        for key in per_region:
            for item in written[key]:
                if _mentions(item, TEMPLATE_REGION):
                    item = _as_region(item, region)
                    if key == "users":
                        item["password_hash"] = hashes.get(item["name"]) or password_hash(f"{item['name']}-dev")
                    definitions[key].append(item)
    return definitions


def render_definitions(instance: str, amqp_ports: dict[str, int], host: str = "127.0.0.1",
                       regions=None) -> dict:
    """The instance's compose definitions with every link pointed at the local node of the other instance; a
    link to an instance without a port in `amqp_ports` (not part of this run) is left out. With `regions`, those
    of a topology of these regions (`template_definitions`)."""
    definitions = (json.loads((DEFINITIONS_DIR / f"{instance}.definitions.json").read_text()) if regions is None
                   else template_definitions(instance, tuple(regions)))
    kept = []
    for parameter in definitions["parameters"]:
        value = parameter["value"]
        uris = [value[key] for key in ("src-uri", "dest-uri") if key in value]
        if any(m.group("instance") not in amqp_ports for uri in uris for m in _PEER_HOST.finditer(uri)):
            continue
        for key in ("src-uri", "dest-uri"):
            if key in value:
                value[key] = _PEER_HOST.sub(lambda m: f"@{host}:{amqp_ports[m.group('instance')]}", value[key])
        kept.append(parameter)
    definitions["parameters"] = kept
    return definitions


def render_config(ports: dict[str, int], definitions_path: Path) -> str:
    """rabbitmq.conf of a local node: the containers' settings, its own listeners and its definitions."""
    shared = [line for line in CONTAINER_CONFIG.read_text().splitlines()
              if line.strip() and not line.lstrip().startswith("#") and not line.startswith("load_definitions")]
    return "\n".join([
        "# Rendered by admin/localnode.py from deploy/rabbitmq/rabbitmq.conf: do not edit.",
        f"listeners.tcp.default = 127.0.0.1:{ports['amqp']}",
        "management.tcp.ip = 127.0.0.1",
        f"management.tcp.port = {ports['management']}",
        f"load_definitions = {definitions_path}",
        *shared, "",
    ])


@dataclass
class LocalNode:
    """One instance's RabbitMQ node: its files under `basedir/<instance>/`, started in its own process group."""
    instance: str
    ports: dict[str, int]
    all_amqp_ports: dict[str, int]
    basedir: Path
    name_suffix: str = ""
    regions: tuple[str, ...] | None = None  # None: the definitions files as written (INSTANCES)
    popen: subprocess.Popen | None = None
    stop_requested: bool = False

    @property
    def nodename(self) -> str:
        return f"peer-{self.instance}{self.name_suffix}@localhost"

    @property
    def home(self) -> Path:
        return self.basedir / self.instance

    def amqp_uri(self, user: str = APP_USER, password: str = APP_PASSWORD, vhost: str = "") -> str:
        return f"amqp://{user}:{password}@127.0.0.1:{self.ports['amqp']}/{vhost}"

    @property
    def management_url(self) -> str:
        return f"http://{APP_USER}:{APP_PASSWORD}@127.0.0.1:{self.ports['management']}"

    def prepare(self) -> "LocalNode":
        """Writes config, definitions and plugins file; keeps the data directory of an earlier run."""
        for sub in ("mnesia", "log"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        definitions = self.home / "definitions.json"
        definitions.write_text(json.dumps(render_definitions(self.instance, self.all_amqp_ports,
                                                                  regions=self.regions), indent=2))
        (self.home / "rabbitmq.conf").write_text(render_config(self.ports, definitions))
        return self

    def command(self) -> list[str]:
        return [str(RABBITMQ_BIN / "rabbitmq-server")]

    def env(self) -> dict[str, str]:
        """The node's environment (rabbitmq-env reads these; /etc/rabbitmq/rabbitmq-env.conf is not read)."""
        return {
            "HOME": ERLANG_COOKIE_HOME,
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_DIST_PORT": str(self.ports["dist"]),
            "RABBITMQ_CONFIG_FILE": str(self.home / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(PLUGINS_FILE),
            "RABBITMQ_MNESIA_BASE": str(self.home / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.home / "log"),
            "RABBITMQ_PID_FILE": str(self.home / "rabbitmq.pid"),
            "RABBITMQ_CONF_ENV_FILE": "/dev/null",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            # distribution on loopback only, and a small VM: ~150 MB per node
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1} +S 2:2 +A 16",
        }

    # -- for tests: run the node as a child of this process ---------------------------------------------
    def start(self) -> "LocalNode":
        self.stop_requested = False
        log = open(self.home / "server.out", "ab")
        self.popen = subprocess.Popen(self.command(), env={**os.environ, **self.env()}, stdout=log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def request_stop(self) -> None:
        """SIGTERM to the node's process group: the node stops cleanly in a few seconds."""
        if self.popen is not None and self.popen.poll() is None and not self.stop_requested:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.stop_requested = True

    def stop(self, timeout: float = 60) -> None:
        """Stops the node and waits for its whole process group; SIGKILL after `timeout`."""
        if self.popen is None or self.popen.poll() is not None:
            return
        self.request_stop()
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
        _wait_group_gone(self.popen.pid, 10)

    def ctl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.nodename, "-q", *args],
                              env={**os.environ, "HOME": ERLANG_COOKIE_HOME}, capture_output=True, text=True,
                              timeout=timeout)

    def server_log(self) -> str:
        path = self.home / "server.out"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _wait_group_gone(pgid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def is_serving(node_ports: dict[str, int]) -> bool:
    """AMQP accepts the application user and the management API answers: definitions are loaded."""
    import pika
    import requests

    try:
        # a plain TCP connect first: pika logs every refused connection as an error
        socket.create_connection(("127.0.0.1", node_ports["amqp"]), timeout=1).close()
        params = pika.URLParameters(f"amqp://{APP_USER}:{APP_PASSWORD}@127.0.0.1:{node_ports['amqp']}/"
                                    "?connection_attempts=1&socket_timeout=2")
        pika.BlockingConnection(params).close()
        response = requests.get(f"http://127.0.0.1:{node_ports['management']}/api/overview",
                                auth=(APP_USER, APP_PASSWORD), timeout=2)
        return response.status_code == 200
    except Exception:  # noqa: BLE001 - any failure means "not yet"
        return False


def shovels_running(node_ports: dict[str, int]) -> bool:
    """Every shovel the node's definitions declare reports state `running`."""
    import requests

    try:
        response = requests.get(f"http://127.0.0.1:{node_ports['management']}/api/shovels",
                                auth=(APP_USER, APP_PASSWORD), timeout=2)
        states = [s.get("state") for s in response.json()] if response.status_code == 200 else []
    except Exception:  # noqa: BLE001
        return False
    return bool(states) and all(state == "running" for state in states)


def wait_until_serving(ports: dict[str, dict[str, int]], timeout: float = 120, with_links: bool = True) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(ports)
    while pending:
        pending = {i: p for i, p in pending.items() if not (is_serving(p) and (not with_links or shovels_running(p)))}
        if not pending:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"RabbitMQ nodes not serving after {timeout}s: {', '.join(pending)}")
        time.sleep(0.5)


def port_offset(env=None) -> int:
    value = (os.environ if env is None else env).get(PORT_OFFSET_VARIABLE) or "0"
    if not value.isdigit() or int(value) > 30000:
        raise SystemExit(f"{PORT_OFFSET_VARIABLE}={value!r}: a whole number of at most 30000")
    return int(value)


def runner_ports(env=None) -> dict[str, dict[str, int]]:
    """The runner's ports, shifted by MULTI_REGION_PORT_OFFSET."""
    offset = port_offset(env)
    return {instance: {kind: port + offset for kind, port in ports.items()} for instance, ports in RUNNER_PORTS.items()}


def runner_nodes(basedir: Path, env=None) -> list[LocalNode]:
    ports = runner_ports(env)
    suffix = f"-{port_offset(env)}" if port_offset(env) else ""
    amqp = {instance: p["amqp"] for instance, p in ports.items()}
    return [LocalNode(instance, ports[instance], amqp, basedir, suffix) for instance in INSTANCES]


def main(argv: list[str] | None = None) -> int:
    """`python -m admin.localnode wait`: used by deploy/up.sh once the manager has started the nodes."""
    parser = argparse.ArgumentParser(prog="python -m admin.localnode")
    parser.add_argument("action", choices=["wait"])
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args(argv)
    try:
        wait_until_serving(runner_ports(), args.timeout)
    except TimeoutError as error:
        print(f"[up] ERROR: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
