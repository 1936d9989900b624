"""The multi-region topology for tests: two regions and the national instance, each with its own RabbitMQ node.

Two of the runner's four regions (TEST_INSTANCES), to keep the session fixture cheap: the national broker's
links to the other two are left out when its definitions are rendered (admin/localnode.py).

The nodes (admin/localnode.py) run on random free ports with data in a temporary directory, load the
definitions of deploy/multi-region/rabbitmq/ and are linked by the shovels those declare. The shared node on
5672 is never touched. Started once per test session by the `topology` fixture (tests/conftest.py), stopped at
the end; each node is ~150 MB.
"""
from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from admin.localnode import LocalNode, random_ports, wait_until_serving

TEST_REGIONS = ("region-1084", "region-1085")
TEST_INSTANCES = (*TEST_REGIONS, "national")


@dataclass
class Topology:
    nodes: dict[str, LocalNode]

    def __getitem__(self, instance: str) -> LocalNode:
        return self.nodes[instance]

    @classmethod
    def start(cls, basedir: Path, timeout: float = 120, regions=None) -> "Topology":
        """`regions`: any number of regions (admin/localnode.py renders their definitions); None: TEST_INSTANCES."""
        instances = TEST_INSTANCES if regions is None else (*regions, "national")
        ports = random_ports(instances)
        amqp = {instance: p["amqp"] for instance, p in ports.items()}
        suffix = f"-t{uuid.uuid4().hex[:6]}"
        nodes = {i: LocalNode(i, ports[i], amqp, basedir, name_suffix=suffix,
                              regions=None if regions is None else tuple(regions)).prepare().start()
                 for i in instances}
        topology = cls(nodes)
        try:
            wait_until_serving(ports, timeout)
        except BaseException:
            logs = "\n".join(f"--- {i}\n{n.server_log()}" for i, n in nodes.items())
            topology.stop()
            raise TimeoutError(f"multi-region topology did not come up:\n{logs}")
        return topology

    def stop(self) -> None:
        for node in self.nodes.values():  # all at once: each takes a few seconds to stop
            node.request_stop()
        for node in self.nodes.values():
            node.stop()


def start_topology() -> tuple[Topology, tempfile.TemporaryDirectory]:
    workdir = tempfile.TemporaryDirectory(prefix="peer-topology-")
    return Topology.start(Path(workdir.name)), workdir
