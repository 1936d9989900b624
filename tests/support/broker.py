"""A private RabbitMQ node for fault-injection tests: start it, restart it, block its publishers, stop it.

The fault suite restarts the broker many times; it must never touch the machine's shared node on 5672, which
every other test (and every other engineer on the machine) is using. `PrivateBroker` runs its own node
(admin/localnode.py: own node name, ports, data and log directories) with the single-instance definitions of
deploy/rabbitmq/definitions.json (the `peer` user, the `/` vhost, the consumer-queue policy), and every
control command is `rabbitmqctl -n <that node>`.

Readiness is `rabbitmq-diagnostics check_running` plus `check_port_connectivity` against that node: `ping`
answers as soon as the Erlang node is up, long before the AMQP listener accepts connections.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import requests

from admin.localnode import ERLANG_COOKIE_HOME, RABBITMQ_BIN, LocalNode, free_port, is_serving, render_config
from tests.support.instance import management

DEFINITIONS = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq" / "definitions.json"
DIAGNOSTICS = str(RABBITMQ_BIN / "rabbitmq-diagnostics")


class BrokerError(RuntimeError):
    pass


class SingleInstanceNode(LocalNode):
    """A LocalNode with the single-instance definitions (no shovels to other instances' nodes)."""

    def prepare(self) -> "SingleInstanceNode":
        for sub in ("mnesia", "log"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        definitions = self.home / "definitions.json"
        definitions.write_text(json.dumps(json.loads(DEFINITIONS.read_text()), indent=2))
        (self.home / "rabbitmq.conf").write_text(render_config(self.ports, definitions))
        return self


class PrivateBroker:
    """One RabbitMQ node of this test run, on free ports, in a temporary directory."""

    def __init__(self, basedir: Path | None = None):
        self._tmp = None if basedir else tempfile.TemporaryDirectory(prefix="peer-fault-broker-")
        self.basedir = Path(basedir or self._tmp.name)
        ports = {"amqp": free_port(), "management": free_port(), "dist": free_port()}
        self.node = SingleInstanceNode("faults", ports, {"faults": ports["amqp"]}, self.basedir,
                                       name_suffix=f"-{uuid.uuid4().hex[:6]}")

    # -- life ------------------------------------------------------------------------------------------
    def start(self, timeout: float = 120) -> "PrivateBroker":
        self.node.prepare().start()
        deadline = time.monotonic() + timeout
        while not is_serving(self.node.ports):
            if self.node.popen.poll() is not None or time.monotonic() > deadline:
                log = self.node.server_log()
                self.stop()
                raise BrokerError(f"private RabbitMQ node did not come up:\n{log}")
            time.sleep(0.5)
        return self

    def stop(self) -> None:
        self.node.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    # -- addresses -------------------------------------------------------------------------------------
    def amqp_uri(self, vhost: str = "") -> str:
        return self.node.amqp_uri(vhost=vhost)

    @property
    def amqp_port(self) -> int:
        return self.node.ports["amqp"]

    @property
    def management_url(self) -> str:
        return self.node.management_url

    def management(self, method: str, path: str, retry_for: float = 90, **kwargs) -> requests.Response:
        """A management API call on this node; waits out the node (re)starting."""
        return management(method, path, retry_for, base=self.management_url, **kwargs)

    # -- control ---------------------------------------------------------------------------------------
    def _ctl(self, *args: str, timeout: float = 120) -> str:
        result = self.node.ctl(*args, timeout=timeout)
        if result.returncode != 0:
            raise BrokerError(f"rabbitmqctl -n {self.node.nodename} {' '.join(args)} exited {result.returncode}:\n"
                              f"{result.stdout}\n{result.stderr}")
        return result.stdout

    def _diagnostics(self, check: str) -> bool:
        try:
            return subprocess.run([DIAGNOSTICS, "-n", self.node.nodename, "-q", check],
                                  env={**os.environ, "HOME": ERLANG_COOKIE_HOME}, capture_output=True,
                                  timeout=30).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def is_ready(self) -> bool:
        """The RabbitMQ application runs and every listener (AMQP, management) accepts connections."""
        return all(self._diagnostics(check) for check in ("check_running", "check_port_connectivity"))

    def wait_ready(self, timeout: float = 90, interval: float = 0.5) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.is_ready():
                return time.monotonic() - started
            time.sleep(interval)
        raise BrokerError(f"private RabbitMQ not ready after {timeout}s")

    def stop_app(self) -> None:
        """Stop the RabbitMQ application (every connection drops); the Erlang node stays up."""
        self._ctl("stop_app")

    def start_app(self) -> None:
        self._ctl("start_app")

    def restart_app(self, down_for: float = 2.0, timeout: float = 90) -> dict:
        """stop_app, stay down `down_for` seconds, start_app, wait for readiness; returns the timings."""
        started = time.monotonic()
        self.stop_app()
        stopped = time.monotonic()
        time.sleep(down_for)
        self.start_app()
        waited = self.wait_ready(timeout)
        return {"stop_s": round(stopped - started, 1), "down_s": round(time.monotonic() - stopped, 1),
                "ready_wait_s": round(waited, 1)}

    def memory_watermark(self) -> str:
        value = self._ctl("eval", "vm_memory_monitor:get_vm_memory_high_watermark().").strip()
        if value.startswith("{absolute,"):
            return "absolute " + value[len("{absolute,"):].rstrip("}").strip()
        return value

    def block_publishers(self) -> str:
        """Raise the memory alarm (watermark 0): the broker stops reading from every publishing
        connection, so publishes sit unconfirmed. Returns the watermark to restore."""
        previous = self.memory_watermark()
        self._ctl("set_vm_memory_high_watermark", "0")
        return previous

    def unblock_publishers(self, previous: str = "0.4") -> None:
        self._ctl("set_vm_memory_high_watermark", *previous.split())

    def publishers_blocked(self) -> bool:
        return self.memory_watermark() in ("0", "0.0")


def shared_node_uptime() -> int | None:
    """Uptime (ms) of the machine's shared node, for checking that a fault run left it alone."""
    try:
        response = requests.get(f"{os.environ.get('RABBITMQ_MANAGEMENT_URL', 'http://guest:guest@127.0.0.1:15672')}"
                                "/api/nodes", timeout=10)
        return max(node.get("uptime", 0) for node in response.json())
    except (requests.RequestException, ValueError):
        return None

