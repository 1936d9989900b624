"""The aggregation benchmark (bench/aggregation.py) and the N-region rendering of admin/localnode.py it needs.

The rendering tests need no broker. The smoke test runs the benchmark end to end at its `--quick` size
(2 instances × 500 facts: three RabbitMQ nodes, real relays, the national service), without timing asserts.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from admin.localnode import DEFINITIONS_DIR, INSTANCES, REGIONS, password_hash, render_definitions, template_definitions

ROOT = Path(__file__).resolve().parents[2]
TEN = ("region-1081", "region-1082", "region-1083", "region-1084", "region-1085",
       "kommune-0101", "kommune-0147", "kommune-0151", "kommune-0153", "kommune-0155")


def as_sets(definitions: dict) -> dict:
    return {k: sorted(json.dumps(x, sort_keys=True) for x in v) if isinstance(v, list) else v
            for k, v in definitions.items()}


@pytest.mark.parametrize("instance", INSTANCES)
def test_the_written_regions_render_as_their_files(instance):
    """`regions=` of the regions with files gives what the files declare: the fixed topology is unchanged."""
    written = json.loads((DEFINITIONS_DIR / f"{instance}.definitions.json").read_text())
    assert as_sets(template_definitions(instance, REGIONS)) == as_sets(written)


def test_password_hash_is_rabbitmqs_sha256():
    stored = json.loads((DEFINITIONS_DIR / "national.definitions.json").read_text())["users"]
    uplink = next(u for u in stored if u["name"] == "uplink-region-1084")
    salt = base64.b64decode(uplink["password_hash"])[:4]
    assert password_hash("uplink-region-1084-dev", salt) == uplink["password_hash"]


def test_ten_regions_each_linked_to_the_national_node_and_back():
    ports = {instance: 40000 + i for i, instance in enumerate((*TEN, "national"))}
    national = render_definitions("national", ports, regions=TEN)
    users = {u["name"]: u for u in national["users"]}
    shovels = {p["name"]: p["value"] for p in national["parameters"] if p["component"] == "shovel"}
    queues = {q["name"] for q in national["queues"]}
    for i, region in enumerate(TEN):
        definitions = render_definitions(region, ports, regions=TEN)
        uplink = next(p["value"] for p in definitions["parameters"] if p["name"] == "national-uplink")
        assert uplink["dest-uri"] == (f"amqp://uplink-{region}:uplink-{region}-dev@127.0.0.1:{ports['national']}"
                                      "?heartbeat=30")
        assert uplink["dest-exchange"] == "national.inbound" and uplink["ack-mode"] == "on-confirm"
        assert uplink["src-queue"] == "national.outbox"
        salt = base64.b64decode(users[f"uplink-{region}"]["password_hash"])[:4]
        assert users[f"uplink-{region}"]["password_hash"] == password_hash(f"uplink-{region}-dev", salt)
        for kind in ("broadcast", "addressed"):
            assert f"@127.0.0.1:{ports[region]}" in shovels[f"{kind}-to-{region}"]["dest-uri"]
            assert shovels[f"{kind}-to-{region}"]["ack-mode"] == "on-confirm"
            assert f"national.{kind}.{region}" in queues
        permission = next(p for p in national["permissions"] if p["user"] == f"uplink-{region}")
        assert permission["write"] == "^national\\.inbound$" and permission["read"] == "^$"
    assert len(shovels) == 2 * len(TEN)
    assert len([u for u in users if u.startswith("uplink-")]) == len(TEN)


def test_a_region_outside_the_topology_is_refused():
    with pytest.raises(ValueError, match="region-1081"):
        template_definitions("region-1081", ("region-1084",))


@pytest.mark.timeout(900)
def test_quick_aggregation_bench_runs_and_records(tmp_path):
    results = tmp_path / "results.json"
    env = {**os.environ, "BENCH_RESULTS": str(results), "PYTHONUNBUFFERED": "1", "PEER_DEV_MODE": "1"}
    run = subprocess.run([sys.executable, "-m", "bench.aggregation", "--quick"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=880)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-4000:]
    figures = json.loads(results.read_text())["aggregation"]
    assert figures["events"] == 1000 and figures["complete"] and figures["measured"]["applied_exactly_once"]
    assert "ratio" in figures and "measured_at" in figures
    assert all(b["deliveries"] >= 1000 for b in figures["baseline_rounds"])
