"""National aggregation end to end: two region instances and the national instance, each with its own RabbitMQ
node (the `topology` fixture: the shovels of deploy/multi-region/) and its own databases; real roles services and
relays at the regions, the national service at the national node.

What it guards (issue 12, items 2, 3, 5): the national picture equals the sum of the regions' own counts
(before suppression), none lost and none twice, when region-1084's uplink is cut and restored during a burst;
after `peer-admin rebuild national`; and after the national database is wiped, migrated again and the regions
re-send (`peer-admin national-resend`). Each region shares what it decided (region-1085 keeps its WHO-5
reports: NATIONAL_SHARE). The overview answers national coordinators only, suppresses small counts, exports CSV.
No personal value of the regions (names in function descriptions, person, course and participant ids) is found
anywhere at the national side: its log, its database, the messages it received, its answers.
"""
from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from datetime import date

import pika
import pytest
import requests

from contracts.personal import LOOKS_SEALED
from runtime import db, eventstore
from admin.localnode import render_definitions
from runtime.privacy.pseudonym import pseudonym
from tests.support.broker_node import connect, depth, drain_messages, listen, shovel_parameter
from tests.support.instance import ROOT, Instance, wait_until
from tests.support.leaks import leaks
from tests.support.peer_admin import peer_admin
from tests.support.volunteer_agreement import SEED_FIELDS

REGION, OTHER = "region-1084", "region-1085"
SHARED_BY_OTHER = ("peer_education.completion_reported,function_description.shared_nationally,"
                   "network_size.reported,meeting_report.held,peer_kind.registered,course_held.reported,"
                   "agreement_term.reported")  # not its resources, nor its WHO-5 reports
NAMES = ("Lærke Lokalleder", "Mikkel Mentorsen")
# completions per (region, month): 3 in January at region-1084 is a cell the overview must suppress
COMPLETIONS = {(REGION, "2026-01"): 3, (REGION, "2026-02"): 12, (OTHER, "2026-01"): 7, (OTHER, "2026-02"): 9}
WHO5 = {REGION: 2, OTHER: 2}  # reports of 6 people at start and end, closed in 2026-02
# Each network's sizes (paid, volunteer, reported on) as it changes: the latest counts. region-1085's one
# network of 2 paid peers is a cell the overview must suppress.
NETWORK_SIZES = {REGION: [[(4, 3, "2026-01-12"), (6, 3, "2026-02-03")], [(5, 5, "2026-02-20")]],
                 OTHER: [[(2, 1, "2026-02-10")], [(3, 4, "2026-01-05"), (6, 4, "2026-01-30")]]}
# Each meeting's reports (occurrence, paid, volunteer attending): a second report of an occurrence corrects it.
MEETINGS = {REGION: [[("20260114T160000Z", 6, 2), ("20260211T160000Z", 5, 4), ("20260114T160000Z", 7, 2)]],
            OTHER: [[("20260205T090000Z", 3, 1)], [("20260212T090000Z", 8, 0), ("20260212T090000Z", 8, 1)]]}
NETWORK_TYPES = ("network_size.reported", "meeting_report.held", "national_resource.offered")
PEERS = {REGION: {"paid": 6, "volunteer": 2}, OTHER: {"paid": 3, "volunteer": 0}}  # registered through roles
PEER_NAME = "Sofie Frivilligsen"
# Courses held to their close (kind, closed on, participants, how many such courses): region-1084's 3
# individual courses in February are a cell the overview must suppress.
COURSES_HELD = {REGION: [("recovery_group", "2026-01-20", 8, 6), ("individual", "2026-02-11", 1, 3)],
                OTHER: [("recovery_group", "2026-01-27", 6, 5), ("recovery_school", "2026-02-03", 9, 5),
                        ("individual", "2026-02-16", 1, 7)]}
# Volunteer agreements through the real roles service: (active from, renewed on, ended on), one per agreement.
# region-1085's 2 agreements from March are cells the overview must suppress.
AGREEMENTS = {REGION: [("2026-01-05", None, None)] * 4 + [("2026-01-05", "2026-06-10", None),
                                                          ("2026-01-05", None, "2026-02-10")],
              OTHER: [("2026-03-02", None, None)] * 2}
PERSONAL_IDS: list[str] = []  # course, participant and peer ids of the regions (raw ids never leave)


@pytest.fixture
def instances(topology, tmp_path):
    created = {
        REGION: Instance(REGION, ("roles", "courses", "network"), tmp_path, broker=topology[REGION]),
        OTHER: Instance(OTHER, ("roles", "courses", "network"), tmp_path, broker=topology[OTHER],
                        environment={"NATIONAL_SHARE": SHARED_BY_OTHER}),
        "national": Instance("national", ("national",), tmp_path, broker=topology["national"]),
    }
    for instance in created.values():
        instance.create()
    yield created
    for instance in created.values():
        instance.destroy()


def publish_function_description(instance: Instance) -> None:
    """Through the real roles service: a description whose local fields name people."""
    adopted = instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Solsikkehuset"})
    assert adopted.status_code == 201, adopted.text
    path = f"/function-descriptions/{adopted.json()['id']}"
    PERSONAL_IDS.append(adopted.json()["id"])
    filled = instance.call("PATCH", "roles", f"{path}/local-fields", json={"fields": {
        "organisational_placement": "Socialpsykiatrien, Solsikkehuset", "nearest_leader": NAMES[0],
        "mentor": NAMES[1], "internal_partners": ["Personalegruppen"], "special_tasks": {}}})
    assert filled.status_code == 200, filled.text
    decided = instance.call("PUT", "roles", f"{path}/support-mode", json={"support_mode": "both"})
    published = instance.call("POST", "roles", f"{path}/publish", json={"expected_version": decided.json()["version"]})
    assert published.status_code == 200, published.text


def register_peers(instance: Instance) -> None:
    """Through the real roles service: each registration shares the peer's kind, and nothing else."""
    for kind, n in PEERS[instance.instance_id].items():
        for _ in range(n):
            peer = str(uuid.uuid4())
            PERSONAL_IDS.append(peer)
            registered = instance.call("POST", "roles", "/peers", roles=("coordinator",), json={
                "peer_id": peer, "kind": kind, "title": "frivillig peer" if kind == "volunteer" else "peer-medarbejder",
                "name": PEER_NAME, "workplace": "Solsikkehuset"})
            assert registered.status_code == 201, registered.text


def run_agreements(instance: Instance) -> None:
    """Through the real roles service: drafted with the seed's personal fields, signed by both (active),
    renewed or ended; each change of the span it runs shares the span, and nothing else."""
    coordinator = instance.token("coordinator", subject=SEED_FIELDS["coordinator_id"])
    for active_from, renewed_on, ended_on in AGREEMENTS[instance.instance_id]:
        volunteer = str(uuid.uuid4())
        PERSONAL_IDS.append(volunteer)
        drafted = instance.call("POST", "roles", "/volunteer-agreements", token=coordinator,
                                json={**SEED_FIELDS, "volunteer_id": volunteer, "start_date": active_from})
        assert drafted.status_code == 201, drafted.text
        PERSONAL_IDS.append(drafted.json()["id"])
        path = f"/volunteer-agreements/{drafted.json()['id']}"
        for party, token in (("volunteer", instance.token("peer", subject=volunteer)), ("coordinator", coordinator)):
            signed = instance.call("POST", "roles", f"{path}/signatures", token=token,
                                   json={"party": party, "on": active_from})
            assert signed.status_code == 200, signed.text
        assert signed.json()["status"] == "active", signed.text
        if renewed_on:
            renewed = instance.call("POST", "roles", f"{path}/renewal", token=coordinator, json={"on": renewed_on})
            assert renewed.status_code == 200, renewed.text
        if ended_on:
            ended = instance.call("POST", "roles", f"{path}/end", token=coordinator, json={
                "on": ended_on, "ended_by": "organisation", "reason": "project_ended"})
            assert ended.status_code == 200, ended.text


def append_courses_held(instance: Instance) -> None:
    """As the courses service records them at a course's close (services/courses/domain/published.py)."""
    metadata = eventstore.Metadata("courses", instance.instance_id, "user-1", uuid.uuid4())
    with db.connect(instance.database_url("courses")) as conn:
        for kind, closed_on, participants, n in COURSES_HELD[instance.instance_id]:
            for _ in range(n):
                course = str(uuid.uuid4())
                PERSONAL_IDS.append(course)
                eventstore.append(conn, f"course_held-{course}", [eventstore.NewEvent("course_held.reported", {
                    "course_type": "support_course" if kind == "individual" else "group_course", "course_kind": kind,
                    "closed_on": closed_on, "participants": participants})], eventstore.NO_STREAM, metadata)
        conn.commit()


def append_completions(instance: Instance, month: str, n: int) -> None:
    """As the courses service records them: in the course's stream, each national completion after the
    local fact roles consumes, so the shared facts' own stream versions have gaps (1, 3, 5, ...)."""
    course = str(uuid.uuid4())
    PERSONAL_IDS.append(course)
    metadata = eventstore.Metadata("courses", instance.instance_id, "user-1", uuid.uuid4())
    with db.connect(instance.database_url("courses")) as conn:
        for i in range(n):
            peer, participant = str(uuid.uuid4()), str(uuid.uuid4())
            PERSONAL_IDS.extend((peer, participant))
            completed_on = f"{month}-{1 + i % 28:02d}"
            eventstore.append(conn, f"peer_education-{course}", [
                eventstore.NewEvent("peer_education.completed", {
                    "course_id": course, "participant_id": participant, "peer_id": peer,
                    "completed_on": completed_on, "sessions_attended": 8, "sessions_held": 8}),
                eventstore.NewEvent("peer_education.completion_reported", {
                    "pseudonym": pseudonym(peer, purpose="person", instance_id=instance.instance_id,
                                           key=instance.pseudonym_secret.encode()),
                    "completed_on": completed_on})], None, metadata)
        conn.commit()


def append_who5(instance: Instance, reports: int) -> None:
    distribution = {"count": 6, "buckets": [None] * 5, "below_50": None}
    with db.connect(instance.database_url("courses")) as conn:
        for _ in range(reports):
            eventstore.append(conn, f"outcome-{uuid.uuid4()}", [eventstore.NewEvent(
                "outcome.who5_distribution_reported", {
                    "course_type": "group_course", "course_kind": "recovery_group", "closed_on": "2026-02-20",
                    "suppressed": False, "distributions": [{**distribution, "timing": t} for t in ("start", "end")]})],
                eventstore.NO_STREAM, eventstore.Metadata("courses", instance.instance_id, "user-1", uuid.uuid4()))
        conn.commit()


def append_network_facts(instance: Instance) -> None:
    """As the network service publishes them (services/network/domain/published.py): a network's size after
    each change, a meeting occurrence's attendance counts (again when corrected), and a public resource, which
    region-1085 keeps to itself."""
    metadata = eventstore.Metadata("network", instance.instance_id, "user-1", uuid.uuid4())
    with db.connect(instance.database_url("network")) as conn:
        for sizes in NETWORK_SIZES[instance.instance_id]:
            network = str(uuid.uuid4())
            PERSONAL_IDS.append(network)
            eventstore.append(conn, f"network_size-{network}", [eventstore.NewEvent("network_size.reported", {
                "network_kind": "regional", "paid_members": paid, "volunteer_members": volunteer,
                "reported_on": on}) for paid, volunteer, on in sizes], eventstore.NO_STREAM, metadata)
        for reports in MEETINGS[instance.instance_id]:
            meeting = str(uuid.uuid4())
            PERSONAL_IDS.append(meeting)
            eventstore.append(conn, f"meeting_report-{meeting}", [eventstore.NewEvent("meeting_report.held", {
                "meeting_kind": "network_meeting", "theme": None, "occurrence": occurrence,
                "held_on": f"{occurrence[:4]}-{occurrence[4:6]}-{occurrence[6:8]}", "duration_minutes": 90,
                "attended_paid": paid, "attended_volunteer": volunteer}) for occurrence, paid, volunteer in reports],
                eventstore.NO_STREAM, metadata)
        resource = str(uuid.uuid4())
        eventstore.append(conn, f"national_resource-{resource}", [eventstore.NewEvent("national_resource.offered", {
            "url": "https://www.sst.dk/da/udgivelser/peer", "theme": None, "tags": [], "offered_on": "2026-02-01"})],
            eventstore.NO_STREAM, metadata)
        conn.commit()


def networks_own_counts(conn, region: str, expected: Counter) -> None:
    """Each network's latest size, each meeting occurrence's latest report: as the national measures count them."""
    for row in conn.execute("SELECT DISTINCT ON (stream_name) payload FROM events "
                            "WHERE event_type = 'network_size.reported' ORDER BY stream_name, stream_version DESC"):
        month = row["payload"]["reported_on"][:7]
        expected[("networks", region, month)] += 1
        for kind in ("paid", "volunteer"):
            expected[(f"network_members_{kind}", region, month)] += row["payload"][f"{kind}_members"]
    for row in conn.execute("SELECT DISTINCT ON (stream_name, payload->>'occurrence') payload FROM events "
                            "WHERE event_type = 'meeting_report.held' "
                            "ORDER BY stream_name, payload->>'occurrence', stream_version DESC"):
        month = row["payload"]["held_on"][:7]
        expected[("network_meetings_held", region, month)] += 1
        for kind in ("paid", "volunteer"):
            expected[(f"network_meeting_attendance_{kind}", region, month)] += row["payload"][f"attended_{kind}"]
    if region == REGION:  # region-1085 does not share its resources
        for row in conn.execute("SELECT payload FROM events WHERE event_type = 'national_resource.offered'"):
            expected[("national_resources_offered", region, row["payload"]["offered_on"][:7])] += 1


def regions_own_counts(regions) -> dict:
    """What the regions' own stores hold of what each shares, as the national picture's measures count it."""
    expected: Counter = Counter()
    for region, instance in regions.items():
        with db.connect(instance.database_url("courses")) as conn:
            for row in conn.execute("SELECT payload FROM events WHERE event_type = 'peer_education.completion_reported'"):
                expected[("peer_education_completions", region, row["payload"]["completed_on"][:7])] += 1
            for row in conn.execute("SELECT payload FROM events WHERE event_type = 'course_held.reported'"):
                p, month = row["payload"], row["payload"]["closed_on"][:7]
                expected[(f"courses_held_{p['course_kind']}", region, month)] += 1
                expected[(f"course_participants_{p['course_kind']}", region, month)] += p["participants"]
            if region == REGION:  # region-1085 does not share its WHO-5 reports
                for row in conn.execute("SELECT payload FROM events "
                                        "WHERE event_type = 'outcome.who5_distribution_reported'"):
                    month = row["payload"]["closed_on"][:7]
                    expected[("who5_reports", region, month)] += 1
                    for d in row["payload"]["distributions"]:
                        expected[(f"who5_people_{d['timing']}", region, month)] += d["count"]
        with db.connect(instance.database_url("roles")) as conn:
            for row in conn.execute(
                    "SELECT to_char(min(occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS n "
                    "FROM events WHERE event_type = 'function_description.shared_nationally' GROUP BY stream_name"):
                expected[("function_descriptions_adopted", region, row["month"])] += 1
                expected[("function_description_revisions", region, row["month"])] += row["n"]
            for row in conn.execute(
                    "SELECT payload->>'kind' AS kind, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month "
                    "FROM events WHERE event_type = 'peer_kind.registered'"):
                expected[(f"peers_registered_{row['kind']}", region, row["month"])] += 1
            # Active agreements from roles' own read model (not from the shared facts): each month its span touches.
            for row in conn.execute(
                    "SELECT to_char(month, 'YYYY-MM') AS month, count(*) AS n FROM volunteer_agreements, "
                    "LATERAL (SELECT coalesce((ended->>'ended_on')::date, term_ends_on) AS until) u, "
                    "generate_series(date_trunc('month', active_from), date_trunc('month', u.until - 1), "
                    "interval '1 month') AS month WHERE active_from IS NOT NULL AND u.until > active_from "
                    "GROUP BY month"):
                expected[("volunteer_agreements_active", region, row["month"])] += row["n"]
        with db.connect(instance.database_url("network")) as conn:
            networks_own_counts(conn, region, expected)
    return dict(expected)


def national_picture(national: Instance) -> dict:
    with db.connect(national.database_url("national")) as conn:
        return {(r["measure"], r["instance_id"], r["period"].strftime("%Y-%m")): r["value"]
                for r in conn.execute("SELECT * FROM picture_cells")}


def stored_ids(national: Instance) -> Counter:
    with db.connect(national.database_url("national")) as conn:
        return Counter(str(r["event_id"]) for r in conn.execute("SELECT event_id FROM events"))


def shared_ids(regions) -> Counter:
    ids: Counter = Counter()
    for region, instance in regions.items():
        types = SHARED_BY_OTHER.split(",") if region == OTHER else [
            "peer_education.completion_reported", "function_description.shared_nationally",
            "outcome.who5_distribution_reported", "peer_kind.registered", "course_held.reported",
            "agreement_term.reported", *NETWORK_TYPES]
        for service in ("roles", "courses", "network"):
            with db.connect(instance.database_url(service)) as conn:
                ids.update(str(r["event_id"]) for r in conn.execute(
                    "SELECT event_id FROM events WHERE event_type = ANY(%s)", (types,)))
    return ids


def wait_for_picture(national: Instance, regions, timeout: float = 90) -> dict:
    expected = regions_own_counts(regions)
    try:
        wait_until(lambda: national_picture(national) == expected, timeout, 0.5, "national picture = sum of regions")
    except TimeoutError:
        assert national_picture(national) == expected  # shows the difference
    return expected


def resend(instance: Instance) -> None:
    """`peer-admin national-resend` for each service the region runs here (it runs no network service)."""
    for service in instance.services:
        peer_admin(instance, "national-resend", "--service", service)


def cut_uplink(region_node, national_port: int) -> dict:
    """Deletes region-1084's uplink shovel (the link is down), as tests/deploy/test_multi_region_links.py does."""
    uplink = next(p for p in render_definitions(REGION, {"national": national_port})["parameters"]
                  if p["name"] == "national-uplink")
    requests.delete(shovel_parameter(region_node, "national-uplink"), timeout=10).raise_for_status()
    wait_until(lambda: not requests.get(f"{region_node.management_url}/api/shovels", timeout=5).json(), 20,
               message="uplink shovel stopped")
    return uplink


def restore_uplink(region_node, uplink: dict) -> None:
    requests.put(shovel_parameter(region_node, "national-uplink"), json={"value": uplink["value"]},
                 timeout=10).raise_for_status()


def test_national_picture_is_the_sum_of_the_regions_through_a_cut_link_a_rebuild_and_a_wipe(topology, instances):
    regions = {r: instances[r] for r in (REGION, OTHER)}
    national = instances["national"]
    spy = listen(topology["national"], "national.inbound")  # every message the national broker received
    for instance in regions.values():
        instance.start_service("roles", wait=False)
        instance.start_relay("roles")
        instance.start_relay("courses")
        instance.start_relay("network")
    national.start_service("national", wait=False)
    national.wait_ready("national", timeout=120)  # eight processes start at once on a small machine
    for instance in regions.values():
        instance.wait_ready("roles", timeout=120)
        publish_function_description(instance)
        register_peers(instance)
        run_agreements(instance)

    # A burst from both regions; region-1084's link is cut during it and restored.
    append_completions(regions[REGION], "2026-01", COMPLETIONS[(REGION, "2026-01")])
    append_completions(regions[OTHER], "2026-01", COMPLETIONS[(OTHER, "2026-01")])
    append_network_facts(regions[OTHER])
    append_courses_held(regions[OTHER])
    uplink = cut_uplink(topology[REGION], topology["national"].ports["amqp"])
    append_network_facts(regions[REGION])
    append_courses_held(regions[REGION])
    append_completions(regions[REGION], "2026-02", COMPLETIONS[(REGION, "2026-02")])
    append_who5(regions[REGION], WHO5[REGION])
    append_completions(regions[OTHER], "2026-02", COMPLETIONS[(OTHER, "2026-02")])
    append_who5(regions[OTHER], WHO5[OTHER])
    wait_until(lambda: depth(topology[REGION], "national.outbox") >= 14, 30, message="region-1084 buffers")
    restore_uplink(topology[REGION], uplink)

    expected = wait_for_picture(national, regions)
    assert expected[("peer_education_completions", REGION, "2026-02")] == 12
    assert not any(key[0].startswith("who5") and key[1] == OTHER for key in expected)
    assert expected[("network_members_paid", REGION, "2026-02")] == 11, "each network's latest size"
    assert expected[("network_meeting_attendance_paid", REGION, "2026-01")] == 7, "the corrected report"
    assert ("network_members_paid", REGION, "2026-01") not in expected
    assert ("national_resources_offered", OTHER, "2026-02") not in expected
    assert sum(v for k, v in expected.items() if k[0] == "peers_registered_paid") == 9
    assert expected[("course_participants_recovery_group", REGION, "2026-01")] == 48
    assert expected[("courses_held_individual", OTHER, "2026-02")] == 7
    assert expected[("volunteer_agreements_active", REGION, "2026-02")] == 6, "ended in February: still counted"
    assert expected[("volunteer_agreements_active", REGION, "2026-03")] == 5
    assert expected[("volunteer_agreements_active", REGION, "2026-12")] == 1, "the renewed one"
    assert ("volunteer_agreements_active", REGION, "2027-01") in expected
    assert stored_ids(national) == shared_ids(regions), "every shared fact stored once, nothing else"

    # The overview: national coordinators of the national instance only; small counts suppressed.
    coordinator = national.token("national_coordinator")
    answer = national.call("GET", "national", "/national/picture?measure=peer_education_completions",
                           token=coordinator)
    assert answer.status_code == 200, answer.text
    picture = answer.json()["measures"][0]
    cells = {(c["region"], c["period"]): c for c in picture["cells"]}
    assert cells[(REGION, "2026-01")] == {"region": REGION, "period": "2026-01", "value": None, "suppressed": True}
    assert sum(1 for c in picture["cells"] if c["suppressed"]) >= 2, "complementary suppression in the row"
    assert picture["total"] == {"value": 31, "suppressed": False}
    filtered = national.call("GET", "national", f"/national/picture?region={OTHER}&from=2026-02&to=2026-02",
                             token=coordinator).json()
    completions = next(m for m in filtered["measures"] if m["measure"] == "peer_education_completions")
    assert [(c["region"], c["period"]) for c in completions["cells"]] == [(OTHER, "2026-02")]
    exported = national.call("GET", "national", "/national/picture.csv?measure=peer_education_completions",
                             token=coordinator)
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert f"peer_education_completions,{REGION},2026-01,,true" in exported.text.splitlines()
    assert national.call("GET", "national", "/national/picture", roles=("coordinator",)).status_code == 403
    region_token = national.token("national_coordinator", instance=REGION)
    assert national.call("GET", "national", "/national/picture", token=region_token).status_code == 403
    bad = national.call("GET", "national", "/national/picture?from=2026-13", token=coordinator)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "from"
    members = national.call("GET", "national", "/national/picture?measure=network_members_paid",
                            token=coordinator).json()["measures"][0]
    members_cells = {(c["region"], c["period"]): c for c in members["cells"]}
    assert members_cells[(OTHER, "2026-02")]["suppressed"], "2 paid peers in a network: suppressed"
    assert members_cells[(REGION, "2026-02")]["suppressed"], "complementary: the month's total would reveal it"
    assert members["total"] == {"value": 19, "suppressed": False}
    meetings = national.call("GET", "national", "/national/picture?measure=network_meetings_held",
                             token=coordinator).json()["measures"][0]
    assert meetings["total"] == {"value": None, "suppressed": True}, "4 meetings held"
    held = national.call("GET", "national", "/national/picture?measure=courses_held_individual",
                         token=coordinator).json()["measures"][0]
    held_cells = {(c["region"], c["period"]): c for c in held["cells"]}
    assert held_cells[(REGION, "2026-02")]["suppressed"], "3 individual courses: suppressed"
    assert held["total"] == {"value": 10, "suppressed": False}
    active = national.call("GET", "national", "/national/picture?measure=volunteer_agreements_active",
                           token=coordinator).json()["measures"][0]
    active_cells = {(c["region"], c["period"]): c for c in active["cells"]}
    assert active_cells[(OTHER, "2026-03")]["suppressed"], "2 agreements: suppressed"
    assert sum(c["suppressed"] for (_, period), c in active_cells.items() if period == "2026-03") >= 2, \
        "complementary suppression: March's total would reveal region-1085's 2"
    assert active_cells[(REGION, "2026-02")]["value"] == 6
    responses = [answer.text, json.dumps(filtered), exported.text, json.dumps(members), json.dumps(meetings),
                 json.dumps(held), json.dumps(active)]

    # (a) Rebuilt from its own stored facts: the same picture.
    peer_admin(national, "rebuild", "national")
    assert national_picture(national) == expected

    # A re-send onto the state it has changes nothing: the inbox skips what it applied (by stream version).
    resend(regions[REGION])
    wait_until(lambda: depth(topology[REGION], "national.outbox") == 0
               and depth(topology["national"], "national.on_fact") == 0, 30, message="re-send consumed")
    time.sleep(1)  # the last deliveries in flight
    assert national_picture(national) == expected and stored_ids(national) == shared_ids(regions)
    assert depth(topology["national"], "national.on_fact.dead-letter") == 0, "a duplicate was refused, not skipped"

    # (b) Wiped and re-sent by the regions: the same picture, each fact once.
    national.processes["national"].stop()
    national.drop_database("national")
    national.provision_database("national", ROOT / "services" / "national" / "migrations")
    national.start_service("national")
    for instance in regions.values():
        resend(instance)
    assert wait_for_picture(national, regions) == expected
    assert stored_ids(national) == shared_ids(regions)

    # No personal value of the regions anywhere at the national side.
    values = (*NAMES, PEER_NAME, "Solsikkehuset", *PERSONAL_IDS,
              *(SEED_FIELDS[k] for k in ("name", "address", "phone", "email", "cpr", "project")))
    with db.connect(national.database_url("national")) as conn:
        tables = json.dumps([conn.execute(f"SELECT * FROM {t}").fetchall()
                             for t in ("events", "picture_cells", "latest_reports", "inbox_streams", "inbox_parked")],
                            default=str)
    assert not any(LOOKS_SEALED.search(part) for part in tables.split('"')), "a sealed value at the national side"
    received = [body.decode(errors="replace") for _, body in drain_messages(topology["national"], spy)]
    assert len(received) >= 2 * sum(shared_ids(regions).values()), "the spy saw the burst and the re-send"
    for where, text in (("log", national.processes["national"].log()), ("tables", tables),
                        ("broker", "\n".join(received)), ("responses", "\n".join(responses))):
        assert leaks(text, values) == [], where
    with connect(topology["national"]) as conn:
        conn.channel().queue_delete(spy)
