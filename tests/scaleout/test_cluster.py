"""A three-node RabbitMQ cluster (deploy/rabbitmq/cluster/, three private nodes here: tests/support/cluster.py),
with the instance's quorum queues replicated on every node. Under load, one node is killed with SIGKILL: nothing
is lost (counted by event id at the test-only `counter` consumer), nothing is applied twice or out of stream
order, and the services and relays reconnect to the other nodes by themselves (`AMQP_URI` lists all three).

Marked `fault`: it kills a broker node. Only its own private nodes: the shared node on 5672 is not used."""
from __future__ import annotations

import time
from collections import Counter

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from runtime import db
from tests.faults.harness import COUNTER, COUNTER_QUEUE, Writers
from tests.support.cluster import Cluster
from tests.support.instance import Instance, Process
from tests.support.replicas import destroy_with_counter, start_counter, with_counter

pytestmark = pytest.mark.fault

STREAMS = 400  # x 6 events


@pytest.fixture
def cluster(tmp_path):
    started = Cluster.start(tmp_path / "cluster")
    yield started
    started.stop()


@pytest.fixture
def instance(cluster, tmp_path):
    created = with_counter(Instance(services=("roles",), broker=cluster, workdir=tmp_path))
    yield created
    destroy_with_counter(created)




def applied_rows(instance: Instance) -> list[dict]:
    with db.connect(instance.database_url(COUNTER), autocommit=True) as conn:
        return conn.execute("SELECT event_id::text AS event_id, stream, stream_version FROM applied_events "
                            "ORDER BY seq").fetchall()


def appended_ids(instance: Instance) -> set[str]:
    with db.connect(instance.database_url("roles"), autocommit=True) as conn:
        return {r["event_id"] for r in conn.execute("SELECT event_id::text AS event_id FROM events").fetchall()}


def test_a_node_killed_under_load_loses_nothing_and_the_services_reconnect(cluster, instance):
    # every consumer queue has a replica on each of the three nodes
    assert sorted(cluster.queue_members(COUNTER_QUEUE)) == sorted(n.nodename for n in cluster.nodes)
    instance.start_service("roles", wait=True)  # the event feed the counter catches up from
    start_counter(instance, COUNTER, timeout=60)
    start_counter(instance, f"{COUNTER}-2", timeout=60)
    instance.start_relay("roles")
    relay_2 = Process("roles-relay-2", instance.processes["roles-relay"].command, instance.env(),
                      instance.logdir / "roles-relay-2.log").start()
    instance.processes["roles-relay-2"] = relay_2
    writers = Writers(instance, streams=STREAMS, writers=2, pause=0.002).start()

    deadline = time.monotonic() + 120
    while len(applied_rows(instance)) < writers.expected // 3:
        assert time.monotonic() < deadline, "the load did not get under way"
        time.sleep(0.2)
    # Node 1 is where every client connected first (it leads in AMQP_URI) and where the queues were declared.
    victim = cluster.nodes[0]
    before = len(applied_rows(instance))
    victim.kill()
    killed_at = time.monotonic()
    writers.join()
    assert before < writers.expected, "the node was killed after the load"

    expected = appended_ids(instance)
    deadline = time.monotonic() + 180
    while len({r["event_id"] for r in applied_rows(instance)}) < len(expected) and time.monotonic() < deadline:
        time.sleep(0.5)
    recovered_after = time.monotonic() - killed_at
    time.sleep(3)  # any late duplicate arrives now
    rows = applied_rows(instance)
    applications = Counter(r["event_id"] for r in rows)
    by_stream: dict[str, list[int]] = {}
    for row in rows:
        by_stream.setdefault(row["stream"], []).append(row["stream_version"])
    lost = expected - set(applications)
    twice = {e: n for e, n in applications.items() if n > 1}
    out_of_order = {s: v for s, v in by_stream.items() if v != list(range(len(v)))}
    print(f"\ncluster kill -9 of {victim.nodename}: appended={len(expected)} applied={len(rows)} lost={len(lost)} "
          f"applied_twice={len(twice)} out_of_order={len(out_of_order)} applied_before_kill={before} "
          f"all_applied_after={recovered_after:.1f}s")
    assert not lost, f"{len(lost)} events lost"
    assert not twice and not out_of_order
    # nobody died of it: every process reconnected to the two nodes left
    dead = [name for name, process in instance.processes.items() if not process.running]
    assert not dead, {name: instance.processes[name].log()[-2000:] for name in dead}
    # RPC too: nameko's `rpc-roles` queue is a classic queue; without the cluster's mirroring policy it lived on
    # the killed node only and the roles service reconnected in a loop, answering no call (NOT_FOUND).
    with ClusterRpcProxy({"AMQP_URI": instance.amqp_uri}, timeout=30) as rpc:
        answer = rpc.roles.events_after(0, 5)
    assert len(answer["events"]) == 5
    assert len(cluster.running_members(via=cluster.nodes[1])) == 2
    assert sorted(cluster.queue_members(COUNTER_QUEUE)) == sorted(n.nodename for n in cluster.nodes)
