"""The brokers' declarative configuration: definitions JSON (users, policies, exchanges, queues, shovels) and
plugins, for the single instance (deploy/rabbitmq) and the multi-region variant (deploy/multi-region/rabbitmq).

The runtime declares its consumer queues with x-delivery-limit and a dead-letter exchange itself; the policy
here is the broker-side guarantee for the same queues, so it must name the same exchange and limit, and its
pattern must cover every consumer queue the code declares (and no dead-letter queue).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SINGLE = ROOT / "deploy" / "rabbitmq" / "definitions.json"
MULTI_DIR = ROOT / "deploy" / "multi-region" / "rabbitmq"
DEFINITION_FILES = [SINGLE, *sorted(MULTI_DIR.glob("*.json"))]
from admin.localnode import REGIONS  # the four regions of the runner and the compose variant
PLUGINS = {"rabbitmq_management", "rabbitmq_shovel", "rabbitmq_shovel_management", "rabbitmq_federation",
           "rabbitmq_federation_management"}


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def shovels(definitions: dict) -> list[dict]:
    return [p for p in definitions.get("parameters", []) if p.get("component") == "shovel"]


def consumer_policy(definitions: dict) -> dict:
    return next(p for p in definitions["policies"] if p["name"] == "peer-consumer-queues")


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_definitions_parse_and_are_complete(path):
    definitions = load(path)
    for key in ("users", "vhosts", "permissions", "policies", "exchanges", "queues", "bindings", "parameters"):
        assert isinstance(definitions.get(key), list), f"{path.name}: {key}"
    # With definitions loaded at boot RabbitMQ creates no default user: one must be defined, with permissions.
    users = {u["name"] for u in definitions["users"]}
    assert users and all(u.get("password_hash") for u in definitions["users"])
    assert {p["user"] for p in definitions["permissions"]} <= users
    vhosts = {v["name"] for v in definitions["vhosts"]}
    for key in ("permissions", "policies", "exchanges", "queues", "bindings", "parameters"):
        for item in definitions[key]:
            assert item["vhost"] in vhosts, f"{path.name}: {key} {item} in an undeclared vhost"


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_shovels_confirm_before_they_ack(path):
    for shovel in shovels(load(path)):
        value = shovel["value"]
        assert value["ack-mode"] == "on-confirm", f"{shovel['name']}: ack-mode must be on-confirm"
        assert int(value["reconnect-delay"]) > 0, f"{shovel['name']}: needs a reconnect delay"
        assert value.get("src-delete-after", "never") == "never", f"{shovel['name']}: must run forever"
        assert value["src-protocol"] == value["dest-protocol"] == "amqp091"


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_shovel_sources_are_durable_quorum_queues_declared_alongside(path):
    """A shovel reading a durable queue keeps what arrives while the link is down (for hours if need be)."""
    definitions = load(path)
    queues = {q["name"]: q for q in definitions["queues"]}
    for shovel in shovels(definitions):
        source = shovel["value"].get("src-queue")
        assert source, f"{shovel['name']}: shovel from a declared queue, not from a transient exchange queue"
        assert source in queues and queues[source]["durable"]
        assert queues[source]["arguments"].get("x-queue-type") == "quorum"


@pytest.mark.parametrize("region", REGIONS)
def test_region_shares_only_national_events_with_the_national_broker(region):
    definitions = load(MULTI_DIR / f"{region}.definitions.json")
    links = shovels(definitions)
    assert len(links) == 1, "exactly one link leaves a region"
    (link,) = links
    value = link["value"]
    assert re.match(r"amqp://[^@]+@national-rabbitmq:5672(\?|$)", value["dest-uri"])
    assert value["dest-exchange"] == "national.inbound"
    # The shovel's source queue receives national.events and nothing else.
    into_source = [b for b in definitions["bindings"] if b["destination"] == value["src-queue"]]
    assert into_source and all(b["source"] == "national.events" for b in into_source)
    assert {b["routing_key"] for b in into_source} == {"#"}
    exchanges = {e["name"]: e for e in definitions["exchanges"]}
    # nameko's own attributes, so a relay or handler declaring the exchange agrees with the broker
    assert exchanges["national.events"]["type"] == "topic" and exchanges["national.events"]["durable"]
    assert not exchanges["national.events"]["arguments"]


def test_national_broker_receives_into_national_inbound_and_never_drops_unroutable():
    definitions = load(MULTI_DIR / "national.definitions.json")
    exchanges = {e["name"]: e for e in definitions["exchanges"]}
    assert exchanges["national.inbound"]["type"] == "topic" and exchanges["national.inbound"]["durable"]
    alternate = [p for p in definitions["policies"]
                 if p["apply-to"] == "exchanges" and re.fullmatch(p["pattern"], "national.inbound")]
    assert alternate and alternate[0]["definition"]["alternate-exchange"] in exchanges
    parked = alternate[0]["definition"]["alternate-exchange"]
    assert any(b["source"] == parked for b in definitions["bindings"])


def test_national_broadcast_and_addressed_answers_reach_every_region():
    """Per region two links leave the national broker: announcements for all, and answers addressed to it."""
    definitions = load(MULTI_DIR / "national.definitions.json")
    links = {s["name"]: s["value"] for s in shovels(definitions)}
    assert set(links) == {f"{kind}-to-{r}" for kind in ("broadcast", "addressed") for r in REGIONS}
    bindings = {(b["source"], b["destination"]): b["routing_key"] for b in definitions["bindings"]}
    for region in REGIONS:
        for kind, routing_key in (("broadcast", "#"), ("addressed", f"{region}.#")):
            value = links[f"{kind}-to-{region}"]
            assert re.match(rf"amqp://[^@]+@{region}-rabbitmq:5672(\?|$)", value["dest-uri"])
            assert value["dest-exchange"] == f"national.{kind}"
            assert value["src-queue"] == f"national.{kind}.{region}"
            assert bindings[(f"national.{kind}", value["src-queue"])] == routing_key
        regional = {e["name"] for e in load(MULTI_DIR / f"{region}.definitions.json")["exchanges"]}
        assert {"national.broadcast", "national.addressed"} <= regional


def _permissions(path: Path) -> dict[str, dict]:
    return {p["user"]: p for p in load(path)["permissions"]}


def test_link_users_can_write_only_their_link_exchange():
    """Each shovel logs in at the other broker as a user that may write one exchange, read and configure
    nothing (tests/deploy/test_multi_region_links.py checks the broker enforces it)."""
    national = _permissions(MULTI_DIR / "national.definitions.json")
    for region in REGIONS:
        uplink = shovels(load(MULTI_DIR / f"{region}.definitions.json"))[0]["value"]["dest-uri"]
        user = re.match(r"amqp://([^:]+):", uplink).group(1)
        assert user == f"uplink-{region}"
        assert national[user] == {"user": user, "vhost": "/", "configure": "^$",
                                  "write": r"^national\.inbound$", "read": "^$"}
        downlink_user = _permissions(MULTI_DIR / f"{region}.definitions.json")["national-downlink"]
        assert downlink_user["write"] == r"^national\.(broadcast|addressed)$"
        assert downlink_user["configure"] == downlink_user["read"] == "^$"


def test_every_broker_has_the_same_consumer_queue_policy():
    reference = consumer_policy(load(SINGLE))
    for path in DEFINITION_FILES:
        assert consumer_policy(load(path)) == reference, path.name


def test_consumer_queue_policy_matches_the_runtime():
    from runtime.messaging.topology import DEAD_LETTER_EXCHANGE, DELIVERY_LIMIT, consumer_queue, dead_letter_queue

    policy = consumer_policy(load(SINGLE))
    assert policy["apply-to"] == "queues"
    assert policy["definition"]["delivery-limit"] == DELIVERY_LIMIT
    assert policy["definition"]["dead-letter-exchange"] == DEAD_LETTER_EXCHANGE
    pattern = re.compile(policy["pattern"])
    for service in ("roles", "courses", "network", "notifications"):
        queue = consumer_queue(service, "on_something_happened", "roles", ["function_description"])
        assert pattern.search(queue.name), queue.name
        assert not pattern.search(dead_letter_queue(queue.name).name)


def test_consumer_queue_policy_covers_the_declared_topology():
    from admin.services import all_queues

    pattern = re.compile(consumer_policy(load(SINGLE))["pattern"])
    for queue in all_queues():
        is_dead_letter = queue.name.endswith(".dead-letter")
        assert bool(pattern.search(queue.name)) != is_dead_letter, queue.name


def test_enabled_plugins():
    text = (ROOT / "deploy" / "rabbitmq" / "enabled_plugins").read_text().strip()
    assert text.startswith("[") and text.endswith("]."), "Erlang term: [a,b]."
    assert set(text[1:-2].split(",")) == PLUGINS


def test_container_config_loads_the_definitions():
    conf = (ROOT / "deploy" / "rabbitmq" / "rabbitmq.conf").read_text()
    settings = dict(line.split("=", 1) for line in conf.splitlines()
                    if line.strip() and not line.lstrip().startswith("#"))
    settings = {k.strip(): v.strip() for k, v in settings.items()}
    assert settings["load_definitions"] == "/etc/rabbitmq/definitions.json"


@pytest.mark.parametrize("instance", [*REGIONS, "national"])
def test_local_rendering_changes_only_the_hosts_of_the_links(instance):
    """The local runner and the tests load the compose definitions; rendering may only point the shovels at
    the local nodes' ports, so what runs here is what compose runs."""
    from admin.localnode import render_definitions

    ports = {"region-1084": 41084, "region-1085": 41085, "region-1081": 41081, "region-1082": 41082,
             "national": 41090}
    original = load(MULTI_DIR / f"{instance}.definitions.json")
    rendered = render_definitions(instance, ports)
    for shovel in shovels(rendered):
        target = re.match(r"amqp://[^@]+@([^/?]+)", shovel["value"]["dest-uri"]).group(1)
        assert target in {f"127.0.0.1:{p}" for p in ports.values()}, shovel["name"]
    for shovel in shovels(original):
        shovel["value"]["dest-uri"] = re.sub(
            r"@([a-z0-9-]+)-rabbitmq:5672", lambda m: f"@127.0.0.1:{ports[m.group(1)]}", shovel["value"]["dest-uri"])
    assert rendered == original


def test_rendering_for_part_of_the_topology_leaves_out_links_to_absent_instances():
    """The tests' topology runs two of the four regions (tests/support/topology.py): the national broker gets
    no shovel towards a region without a node (it would never reach `running`), every other link is kept."""
    from admin.localnode import render_definitions

    rendered = {s["name"] for s in shovels(render_definitions("national", {"region-1084": 1, "region-1085": 2,
                                                                           "national": 3}))}
    assert rendered == {f"{kind}-to-{r}" for kind in ("broadcast", "addressed") for r in ("region-1084", "region-1085")}


def _password_matches(password_hash: str, password: str) -> bool:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt[4] + sha256(salt + password))."""
    import base64
    import hashlib

    raw = base64.b64decode(password_hash)
    return hashlib.sha256(raw[:4] + password.encode()).digest() == raw[4:]


@pytest.mark.parametrize("instance", [*REGIONS, "national"])
def test_every_link_password_matches_the_user_at_the_other_broker(instance):
    """A shovel's URI carries the password its link user has at the other broker: a hash that does not match
    would leave the link down (403) with nothing but the shovel's state to show it."""
    for shovel in shovels(load(MULTI_DIR / f"{instance}.definitions.json")):
        user, password, host = re.match(r"amqp://([^:]+):([^@]+)@([a-z0-9-]+)-rabbitmq:", shovel["value"]["dest-uri"]).groups()
        users = {u["name"]: u for u in load(MULTI_DIR / f"{host}.definitions.json")["users"]}
        assert _password_matches(users[user]["password_hash"], password), (instance, shovel["name"])
