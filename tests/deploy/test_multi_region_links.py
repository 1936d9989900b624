"""The links of the multi-region topology on real RabbitMQ nodes: two regions and the national instance, each with
its own node, loading deploy/multi-region/rabbitmq/*.definitions.json (the `topology` fixture).

What they guard: facts a region publishes to `national.events` reach the national `national.inbound` exactly
once, also when the link is cut during a burst (the region buffers in `national.outbox`); national
announcements reach every region; answers addressed to one region reach that region only; and the link users
can write only what their link needs, so a region cannot publish into another region's addressed queue.
"""
from __future__ import annotations

import json
import uuid
from collections import Counter

import pika
import pytest
import requests

from admin.localnode import render_definitions
from tests.support.broker_node import collect, connect, depth, drain, listen, publish, shovel_parameter
from tests.support.instance import wait_until
from tests.support.topology import TEST_REGIONS as REGIONS

REGION, OTHER = REGIONS


def test_region_fact_arrives_at_the_national_broker_exactly_once(topology):
    arrivals = listen(topology["national"], "national.inbound")
    ids = [f"exactly-once-{uuid.uuid4()}"]
    publish(topology[REGION], "national.events", "function_description_adopted", ids)
    seen = collect(topology["national"], arrivals, expected=1)
    assert seen == Counter(ids)


def test_link_cut_during_a_burst_buffers_at_the_region_and_delivers_all_once(topology):
    """The uplink shovel is deleted mid-burst (the link is down) and declared again from the definitions."""
    region, national = topology[REGION], topology["national"]
    arrivals = listen(national, "national.inbound")
    before = [f"burst-{i}-{uuid.uuid4()}" for i in range(50)]
    during = [f"burst-cut-{i}-{uuid.uuid4()}" for i in range(250)]
    publish(region, "national.events", "course_completed", before)
    seen = collect(national, arrivals, expected=len(before), settle=0)

    uplink = next(p for p in render_definitions(REGION, {"national": national.ports["amqp"]})["parameters"]
                  if p["name"] == "national-uplink")
    requests.delete(shovel_parameter(region, "national-uplink"), timeout=10).raise_for_status()
    wait_until(lambda: not requests.get(f"{region.management_url}/api/shovels", timeout=5).json(), 20,
               message="uplink shovel stopped")
    publish(region, "national.events", "course_completed", during)
    assert depth(region, "national.outbox") == len(during), "the region buffers while the link is down"
    assert drain(national, arrivals) == []

    requests.put(shovel_parameter(region, "national-uplink"), json={"value": uplink["value"]},
                 timeout=10).raise_for_status()
    seen += collect(national, arrivals, expected=len(during), timeout=60)
    assert set(seen) == set(before) | set(during), "every message of the burst arrives"
    assert max(seen.values()) == 1, f"delivered twice: {[i for i, n in seen.items() if n > 1][:5]}"
    assert depth(region, "national.outbox") == 0


def test_national_announcement_reaches_every_region(topology):
    queues = {region: listen(topology[region], "national.broadcast") for region in REGIONS}
    ids = [f"announcement-{uuid.uuid4()}"]
    publish(topology["national"], "national.broadcast", "competence_module_published", ids)
    for region, queue in queues.items():
        assert collect(topology[region], queue, expected=1) == Counter(ids), region


def test_answer_addressed_to_one_region_reaches_only_that_region(topology):
    queues = {region: listen(topology[region], "national.addressed") for region in REGIONS}
    ids = [f"answer-{uuid.uuid4()}"]
    publish(topology["national"], "national.addressed", f"{OTHER}.national_event_registration_accepted", ids)
    assert collect(topology[OTHER], queues[OTHER], expected=1) == Counter(ids)
    assert drain(topology[REGION], queues[REGION]) == []


def _link_credentials(instance: str, shovel: str) -> dict:
    """The user and password a shovel of `instance` logs in with at the other end (from the definitions)."""
    uri = next(p for p in render_definitions(instance, {i: 1 for i in (*REGIONS, "national")})["parameters"]
               if p["name"] == shovel)["value"]["dest-uri"]
    user, password = uri.split("//", 1)[1].split("@", 1)[0].split(":", 1)
    return {"user": user, "password": password}


def _uplink_credentials(region: str) -> dict:
    return _link_credentials(region, "national-uplink")


@pytest.mark.parametrize("exchange, routing_key", [
    ("national.addressed", f"{OTHER}.national_event_registration_accepted"),  # the other region's answers
    ("", f"national.addressed.{OTHER}"),  # straight into its addressed queue
    ("national.broadcast", "competence_module_published"),  # announcing as if national
])
def test_a_region_link_user_cannot_write_into_another_regions_flows(topology, exchange, routing_key):
    """The region's uplink user at the national broker may write to `national.inbound` and nothing else."""
    national = topology["national"]
    credentials = _uplink_credentials(REGION)
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        publish(national, exchange, routing_key, [f"forged-{uuid.uuid4()}"], **credentials)
    assert refused.value.reply_code == 403
    assert depth(national, f"national.addressed.{OTHER}") == 0


def test_link_users_may_do_what_their_link_needs_only(topology):
    national = topology["national"]
    credentials = _uplink_credentials(REGION)
    arrivals = listen(national, "national.inbound")
    publish(national, "national.inbound", "function_description_adopted", ["allowed"], **credentials)
    assert collect(national, arrivals, expected=1, settle=0) == Counter(["allowed"])
    with connect(national, **credentials) as conn, pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        conn.channel().basic_get(f"national.addressed.{OTHER}")  # reading another region's answers
    assert refused.value.reply_code == 403
    # the national link user at a region may only deliver into national.broadcast / national.addressed
    downlink = _link_credentials("national", f"broadcast-to-{REGION}")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        publish(topology[REGION], "national.events", "function_description_adopted", ["forged"], **downlink)
    assert refused.value.reply_code == 403
