"""A three-node RabbitMQ cluster on this machine, for the scale-out tests (tests/scaleout/).

Three nodes of their own (admin/localnode.py's way: own node names, ports, data and logs under a temporary
directory, the machine's Erlang cookie), configured by deploy/rabbitmq/cluster/rabbitmq.conf with its node names
replaced by these nodes' names, and loading deploy/rabbitmq/definitions.json (the `peer` user, the consumer-queue
policy) and deploy/rabbitmq/cluster/definitions.json (nameko's RPC queues mirrored on every node). Node 1 boots first and forms the cluster; nodes 2 and 3 find it through the classic-config peer
discovery and join. The shared node on 5672 is never touched.
"""
from __future__ import annotations

import json
import os
import re
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from admin.localnode import CONTAINER_CONFIG, ROOT, LocalNode, free_port, is_serving

CLUSTER_CONFIG = ROOT / "deploy" / "rabbitmq" / "cluster" / "rabbitmq.conf"
# Loaded from one directory, in name order: the instance's definitions, then the cluster's own policies.
DEFINITIONS = {"10-instance.json": ROOT / "deploy" / "rabbitmq" / "definitions.json",
               "20-cluster.json": ROOT / "deploy" / "rabbitmq" / "cluster" / "definitions.json"}
SIZE = 3


class ClusterNode(LocalNode):
    """A LocalNode whose configuration is the cluster's, with the instance's definitions."""

    peers: tuple[str, ...] = ()  # the node names of every member, set by Cluster

    def prepare(self) -> "ClusterNode":
        for sub in ("mnesia", "log"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        definitions = self.home / "definitions"
        definitions.mkdir(exist_ok=True)
        for name, source in DEFINITIONS.items():
            (definitions / name).write_text(source.read_text())
        lines = [f"listeners.tcp.default = 127.0.0.1:{self.ports['amqp']}", "management.tcp.ip = 127.0.0.1",
                 f"management.tcp.port = {self.ports['management']}", f"load_definitions = {definitions}"]
        for source in (CONTAINER_CONFIG, CLUSTER_CONFIG):
            for line in source.read_text().splitlines():
                if not line.strip() or line.lstrip().startswith("#") or line.startswith("load_definitions"):
                    continue
                match = re.match(r"^(cluster_formation\.classic_config\.nodes\.)(\d+) = ", line)
                lines.append(f"{match.group(1)}{match.group(2)} = {self.peers[int(match.group(2)) - 1]}" if match
                             else line)
        (self.home / "rabbitmq.conf").write_text("# Rendered by tests/support/cluster.py: do not edit.\n"
                                                 + "\n".join(lines) + "\n")
        return self

    def kill(self) -> None:
        """kill -9 of the whole node (beam and epmd-less helpers of its process group)."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=30)


@dataclass
class Cluster:
    nodes: list[ClusterNode]

    @classmethod
    def start(cls, basedir: Path, timeout: float = 180) -> "Cluster":
        tag = uuid.uuid4().hex[:6]
        ports = [{"amqp": free_port(), "management": free_port(), "dist": free_port()} for _ in range(SIZE)]
        nodes = [ClusterNode(f"cluster-{n + 1}", ports[n], {}, basedir, name_suffix=f"-{tag}") for n in range(SIZE)]
        for node in nodes:
            node.peers = tuple(n.nodename for n in nodes)
        cluster = cls(nodes)
        try:
            for node in nodes:  # one after the other: the first forms the cluster, the others join it
                node.prepare().start()
                cluster.wait_serving(node, timeout)
            cluster.wait_members(SIZE, timeout)
        except BaseException:
            logs = "\n".join(f"--- {n.nodename}\n{n.server_log()}" for n in nodes)
            cluster.stop()
            raise TimeoutError(f"the cluster did not form:\n{logs}")
        return cluster

    @staticmethod
    def wait_serving(node: ClusterNode, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not is_serving(node.ports):
            if node.popen is not None and node.popen.poll() is not None:
                raise RuntimeError(f"{node.nodename} exited:\n{node.server_log()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{node.nodename} not serving after {timeout}s")
            time.sleep(0.5)

    def running_members(self, via: ClusterNode | None = None) -> list[str]:
        node = via or next(n for n in self.nodes if n.popen is not None and n.popen.poll() is None)
        result = node.ctl("cluster_status", "--formatter", "json")
        if result.returncode:
            return []
        return json.loads(result.stdout).get("running_nodes", [])

    def wait_members(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.running_members()) != count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"cluster has {self.running_members()} running, not {count} nodes")
            time.sleep(0.5)

    def amqp_uri(self, user: str = "peer", password: str = "peer") -> str:
        """Every node, `;`-separated: kombu (nameko) fails over to the next, and so does the relay's publisher."""
        return ";".join(node.amqp_uri(user, password) for node in self.nodes)

    def queue_members(self, queue: str) -> list[str]:
        """The nodes holding a replica of a quorum queue (its Raft members)."""
        node = next(n for n in self.nodes if n.popen is not None and n.popen.poll() is None)
        result = node.ctl("list_queues", "name", "members", "--formatter", "json")
        for row in json.loads(result.stdout or "[]"):
            if row["name"] == queue:
                return row["members"]
        return []

    def stop(self) -> None:
        for node in self.nodes:
            node.request_stop()
        for node in self.nodes:
            node.stop()
