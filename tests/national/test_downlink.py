"""The downlink: what the national service's relay publishes from its store to the regions, on the `topology`
fixture (three RabbitMQ nodes linked by deploy/multi-region's shovels).

Guards: a `downlink="broadcast"` contract reaches both regions' `national.broadcast` (routing key = event
type); a `downlink="addressed"` one reaches only its addressee's `national.addressed` (key `<instance>.<type>`);
a fact the national service stored from a region is not published again; the actor does not leave.
"""
from __future__ import annotations

import json
import uuid

from runtime import db, eventstore
from tests.support.broker_node import connect, drain_messages, listen
from tests.support.instance import Instance, wait_until

REGIONS = ("region-1084", "region-1085")
DETAILS = {"title": "Peertræf 2023", "starts_at": "2023-05-11T08:00:00+00:00", "ends_at": "2023-05-11T14:00:00+00:00",
           "place": "København", "capacity": 55, "themes": ["practice_in_focus"], "programme": []}


def test_broadcast_reaches_every_region_and_an_answer_only_its_addressee(topology, tmp_path):
    national = Instance("national", ("national",), tmp_path, broker=topology["national"]).create()
    try:
        with connect(topology["national"]) as conn:  # the national service's own exchange (its relay declares it)
            conn.channel().exchange_declare("national.events", "topic", durable=True)
        own = listen(topology["national"], "national.events")
        broadcast = {r: listen(topology[r], "national.broadcast") for r in REGIONS}
        addressed = {r: listen(topology[r], "national.addressed") for r in REGIONS}
        event_id = uuid.uuid4()
        metadata = eventstore.Metadata("national", "national", "coordinator-7", uuid.uuid4())
        pseudonym = "region-1085:p2:" + "a" * 26
        with db.connect(national.database_url("national")) as conn:
            eventstore.append(conn, f"national_announcement-{event_id}", [eventstore.NewEvent(
                "national_announcement.published", {**DETAILS, "national_event_id": str(event_id)})],
                eventstore.NO_STREAM, metadata)
            eventstore.append(conn, f"national_registration-{uuid.uuid4()}", [eventstore.NewEvent(
                "national_registration.accepted", {"addressee": "region-1085", "national_event_id": str(event_id),
                                                   "pseudonym": pseudonym})], eventstore.NO_STREAM, metadata)
            # a region's fact as the national service stores it: never published again
            eventstore.append(conn, "peer_education-region-1084:p2:" + "b" * 26, [eventstore.NewEvent(
                "peer_education.completion_reported", {"pseudonym": "region-1084:p2:" + "c" * 26,
                                                       "completed_on": "2026-01-05"})],
                eventstore.NO_STREAM, eventstore.Metadata("courses", "region-1084", "instance", uuid.uuid4()))
            conn.commit()
        national.start_relay("national")

        received = {r: [] for r in REGIONS}

        def arrived():
            for r in REGIONS:
                received[r] += drain_messages(topology[r], broadcast[r])
            return all(received.values())

        wait_until(arrived, 60, 0.2, "the announcement at both regions")
        for region in REGIONS:
            (properties, body), = received[region]
            envelope = json.loads(body)
            assert envelope["type"] == "national_announcement.published"
            assert envelope["payload"]["national_event_id"] == str(event_id)
            assert envelope["actor"] == "instance", "a national coordinator's id stays at the national instance"

        answers = {r: [] for r in REGIONS}
        wait_until(lambda: answers["region-1085"].extend(drain_messages(topology["region-1085"],
                                                                         addressed["region-1085"])) or answers["region-1085"],
                   60, 0.2, "the answer at its addressee")
        (_, body), = answers["region-1085"]
        assert json.loads(body)["payload"]["pseudonym"] == pseudonym
        assert drain_messages(topology["region-1084"], addressed["region-1084"]) == [], "only its addressee"
        for region in REGIONS:  # the stored region fact went nowhere
            assert drain_messages(topology[region], broadcast[region]) == []
        published = [json.loads(body)["type"] for _, body in drain_messages(topology["national"], own)]
        assert "peer_education.completion_reported" not in published, "a region's fact published again"
        assert "national_announcement.published" in published
    finally:
        national.destroy()
