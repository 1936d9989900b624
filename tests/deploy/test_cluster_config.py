"""The three-node cluster's files (deploy/rabbitmq/cluster/): three peers, and a policy that mirrors nameko's RPC
queues and no other (consumer queues are quorum queues, governed by the instance's own policy)."""
import json
import re
from pathlib import Path

from runtime.messaging.consumer import consumer_queues

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "deploy" / "rabbitmq" / "cluster"


def test_the_cluster_config_names_three_peers_and_pauses_a_minority():
    settings = dict(line.split(" = ", 1) for line in (CLUSTER / "rabbitmq.conf").read_text().splitlines()
                    if line.strip() and not line.startswith("#"))
    assert settings["cluster_formation.peer_discovery_backend"] == "classic_config"
    peers = [v for k, v in settings.items() if k.startswith("cluster_formation.classic_config.nodes.")]
    assert len(set(peers)) == 3
    assert settings["cluster_partition_handling"] == "pause_minority"


def test_the_cluster_policy_mirrors_rpc_queues_only():
    from admin.services import NATIONAL_SERVICES, SERVICES, service_class

    (policy,) = json.loads((CLUSTER / "definitions.json").read_text())["policies"]
    assert policy["definition"] == {"ha-mode": "all", "ha-sync-mode": "automatic"}
    pattern = re.compile(policy["pattern"])
    for cls in (service_class(name) for name in (*SERVICES, *NATIONAL_SERVICES)):
        assert pattern.match(f"rpc-{cls.name}")
        for queue in consumer_queues(cls):
            assert not pattern.match(queue.name), queue.name
    assert not pattern.match("rpc.reply-roles-0b8c")  # reply queues live and die with their client
