"""The catalogue to a late region (issue 12 item 4) on the `topology` fixture (three RabbitMQ nodes linked by
deploy/multi-region's shovels): `peer-admin downlink-resend` at the national instance publishes every broadcast
downlink event of its store again (runtime/messaging/relay.py, `resend_broadcast`).

What it guards: a region that joins after modules were published (its instance made afterwards: no queue
buffered anything for it) has an empty catalogue until the re-send, then the whole current one (versions,
retirements); the region that had it already records nothing twice; a region that lost its catalogue (its
courses database wiped) gets it back the same way; the command refuses to run at a region.
"""
from __future__ import annotations

import subprocess
import sys
import time

from runtime import db
from tests.support.instance import ROOT, Instance, wait_until

REGION, LATE = "region-1084", "region-1085"
MODULE = {"description": "Fælles kompetenceudvikling (seed 004)", "learning_goals": ["Recovery og CHIME"],
          "kind": "peer_education", "hours": 37.5}


def ok(answer, status=200):
    assert answer.status_code == status, answer.text
    return answer.json()


def catalogue(region: Instance) -> dict:
    """module id -> (current version, versions, retired), as the region's coordinators see it."""
    return {m["module_id"]: (m["module_version"], [v["module_version"] for v in m["versions"]], m["retired"])
            for m in ok(region.call("GET", "courses", "/competence-modules", roles=("coordinator",)))}


def received_events(region: Instance) -> int:
    with db.connect(region.database_url("courses")) as conn:
        return conn.execute("SELECT count(*) AS n FROM events WHERE stream_name LIKE 'catalogue_module-%%'"
                            ).fetchone()["n"]


def peer_admin(instance: Instance, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "admin.cli", *args], env=instance.env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_a_region_that_joins_late_or_lost_its_catalogue_receives_the_whole_catalogue(topology, tmp_path):
    national = Instance("national", ("national",), tmp_path, broker=topology["national"]).create()
    early = Instance(REGION, ("courses",), tmp_path, broker=topology[REGION]).create()
    late = None
    try:
        early.start_service("courses")
        national.start_service("national")
        national.start_relay("national")
        coordinator = national.token("national_coordinator")

        def as_national(path, body, status=201):
            return ok(national.call("POST", "national", path, token=coordinator, json=body), status)

        # three modules: one with a second version, one retired
        versioned = as_national("/national/competence-modules", {**MODULE, "title": "Fælles peer-uddannelse"})
        as_national(f"/national/competence-modules/{versioned['module_id']}/versions",
                    {**MODULE, "title": "Fælles peer-uddannelse", "hours": 40.0, "expected_version": 0})
        retired = as_national("/national/competence-modules", {**MODULE, "title": "Temadag", "kind": "theme_day"})
        as_national(f"/national/competence-modules/{retired['module_id']}/retire", {}, 200)
        plain = as_national("/national/competence-modules", {**MODULE, "title": "Supervision",
                                                              "kind": "supervision_training"})
        expected = {versioned["module_id"]: (2, [1, 2], False), retired["module_id"]: (1, [1], True),
                    plain["module_id"]: (1, [1], False)}
        wait_until(lambda: catalogue(early) == expected, 90, 0.5, "the catalogue at the region that was there")
        recorded = received_events(early)
        assert recorded == 5, "three first versions, a second, a retirement"

        # region-1085 joins now: nothing was kept for it, its catalogue is empty
        late = Instance(LATE, ("courses",), tmp_path, broker=topology[LATE]).create()
        late.start_service("courses")
        time.sleep(2)
        assert catalogue(late) == {}

        refused = peer_admin(early, "downlink-resend")
        assert refused.returncode != 0 and "only the national instance" in refused.stdout + refused.stderr
        unknown = peer_admin(national, "downlink-resend", "--category", "peer_education")
        assert unknown.returncode != 0 and "not broadcast" in unknown.stdout + unknown.stderr

        resent = peer_admin(national, "downlink-resend", "--category", "competence_module")
        assert resent.returncode == 0, resent.stdout + resent.stderr
        assert '"resent": 5' in resent.stdout, resent.stdout  # 3 first versions, a second, a retirement
        wait_until(lambda: catalogue(late) == expected, 90, 0.5, "the whole catalogue at the late region")
        time.sleep(2)  # the early region's deliveries of the same re-send
        assert received_events(early) == recorded, "the region that had it records nothing twice"

        # region-1084 loses its catalogue (its courses database wiped), and asks again
        early.processes["courses"].stop()
        early.drop_database("courses")
        early.provision_database("courses", ROOT / "services" / "courses" / "migrations")
        early.start_service("courses")
        assert catalogue(early) == {}
        again = peer_admin(national, "downlink-resend")  # every broadcast category
        assert again.returncode == 0, again.stdout + again.stderr
        wait_until(lambda: catalogue(early) == expected, 90, 0.5, "the catalogue back at the region that lost it")
        assert received_events(early) == recorded
        time.sleep(2)
        assert received_events(late) == recorded, "the late region, which had it by now, records nothing twice"
    finally:
        for instance in (late, early, national):
            if instance is not None:
                instance.destroy()
