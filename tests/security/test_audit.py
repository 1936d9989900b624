"""Reads of special-category data are recorded (who, when, what, why) in the reading transaction;
failed and refused reads record nothing; admins read the log."""
import time
import uuid

import pytest
import requests

from runtime import db
from tests.security.audited_service import MISSING
from tests.support.instance import NAMEKO, Instance, Process, free_port, wait_until


@pytest.fixture
def probe(tmp_path):
    instance = Instance(services=(), workdir=tmp_path)
    instance.provision_database("auditprobe")
    url = instance.database_url("auditprobe")
    port = free_port()
    process = Process("auditprobe", [NAMEKO, "run", "--config", "deploy/nameko.yaml", "tests.security.audited_service"],
                      instance.env(WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
                                   AMQP_URI=instance.amqp_uri.rsplit("/", 1)[0] + "/"),
                      tmp_path / "auditprobe.log").start()
    base = f"http://127.0.0.1:{port}"

    def ready():
        try:
            return requests.get(f"{base}/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(ready, message="audit probe ready")
        yield instance, base, url
    finally:
        process.kill()
        instance.drop_database("auditprobe")


def get(instance, base, path, *roles, subject="user-1"):
    return requests.get(f"{base}{path}", timeout=10,
                        headers={"Authorization": f"Bearer {instance.token(*roles, subject=subject)}"})


def audit_rows(url):
    with db.connect(url) as conn:
        return conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()


def test_each_read_of_special_category_data_is_recorded_before_the_response(probe):
    instance, base, url = probe
    peer_id = uuid.uuid4()
    before = time.time()
    response = get(instance, base, f"/peers/{peer_id}/crisis-plan", "peer", subject="peer-17")
    assert response.status_code == 200
    # Committed before the response was sent: visible at once, no waiting.
    [row] = audit_rows(url)
    assert row["actor"] == "peer-17" and row["actor_roles"] == ["peer"] and row["instance_id"] == "region-1084"
    assert (row["action"], row["resource_type"], row["resource_id"]) == ("read", "crisis_plan", str(peer_id))
    assert row["purpose"] == "the peer reads their own crisis plan"
    assert str(row["correlation_id"]) == response.headers["X-Correlation-ID"]
    assert before - 5 < row["at"].timestamp() < time.time() + 5
    assert "sover" not in str(row)  # what was read is named, never copied

    listed = get(instance, base, "/citizens", "coordinator", subject="coord-3")
    assert listed.status_code == 200
    rows = audit_rows(url)[1:]
    assert [(r["actor"], r["resource_type"], r["resource_id"]) for r in rows] == [
        ("coord-3", "citizen_record", "c-1"), ("coord-3", "citizen_record", "c-2")]


def test_failed_refused_and_ordinary_reads_record_nothing(probe):
    instance, base, url = probe
    assert get(instance, base, f"/peers/{MISSING}/crisis-plan", "peer").status_code == 404
    assert get(instance, base, f"/peers/{uuid.uuid4()}/crisis-plan", "coordinator").status_code == 403
    assert requests.get(f"{base}/peers/{uuid.uuid4()}/crisis-plan", timeout=10).status_code == 401
    assert get(instance, base, "/workplaces", "coordinator").status_code == 200
    assert audit_rows(url) == []


def test_admins_read_the_audit_log_and_nobody_can_rewrite_it(probe):
    instance, base, url = probe
    peer_id = str(uuid.uuid4())
    get(instance, base, f"/peers/{peer_id}/crisis-plan", "peer", subject="peer-9")
    get(instance, base, f"/peers/{uuid.uuid4()}/crisis-plan", "admin", subject="admin-2")
    log = get(instance, base, f"/audit-log?resource_type=crisis_plan&resource_id={peer_id}", "admin")
    assert log.status_code == 200
    assert [(e["actor"], e["resource_id"]) for e in log.json()] == [("peer-9", peer_id)]
    assert get(instance, base, "/audit-log", "coordinator").status_code == 403
    with db.connect(url) as conn:
        with pytest.raises(Exception, match="append-only"):
            conn.execute("UPDATE audit_log SET actor = 'someone else'")


def test_an_audited_endpoint_must_name_its_purpose():
    from runtime.http.audit import audited

    with pytest.raises(ValueError, match="purpose"):
        audited("crisis_plan", purpose="")


def test_a_response_of_special_category_data_must_be_audited_or_the_endpoint_does_not_load():
    """Guards issue 8 item 15: `SPECIAL_CATEGORY` was a list nothing enforced. A response field marked
    `special_category` (accommodation needs, crisis plans, citizen records) may only be returned by an
    endpoint `@audited` for that category: `@api` refuses it at import otherwise."""
    from marshmallow import Schema, fields

    from runtime.http.audit import audited
    from runtime.http.entrypoint import api

    class Plan(Schema):
        warning_signs = fields.List(fields.String(), metadata={"special_category": "crisis_plan"})

    class Wrapped(Schema):
        plans = fields.List(fields.Nested(Plan))

    for returns in (Plan, Wrapped):
        with pytest.raises(ValueError, match="without auditing its reads"):
            @api("GET", "/probe", allow=("peer",), returns=returns)
            def unaudited(self, request):
                return {}
        with pytest.raises(ValueError, match="crisis_plan"):
            @api("GET", "/probe", allow=("peer",), returns=returns)
            @audited("accommodation_needs", purpose="another category than the one shown")
            def audited_for_something_else(self, request):
                return {}

    @api("GET", "/probe", allow=("peer",), returns=Wrapped)
    @audited("crisis_plan", purpose="the peer reads their own crisis plan")
    def audited_read(self, request):
        return {}

    class Unknown(Schema):
        diary = fields.String(metadata={"special_category": "diary"})

    with pytest.raises(ValueError, match="special_category 'diary'"):
        @api("GET", "/probe", allow=("peer",), returns=Unknown)
        def unknown_category(self, request):
            return {}


def test_an_endpoint_auditing_in_its_body_cannot_show_special_category_data_without_a_record(probe):
    """Guards the rule "special-category reads are audited" at run time (issue 8 item 15, brief gap b): an endpoint
    that audits in its body (as courses' citizen records, participants and support courses do) and forgets to
    record answers 500 and shows nothing; with the record it answers 200; withholding the data needs none."""
    instance, base, url = probe
    forgot = get(instance, base, "/citizen-names/forgets", "coordinator")
    assert forgot.status_code == 500 and "Anna" not in forgot.text
    assert audit_rows(url) == []
    recorded = get(instance, base, "/citizen-names/records", "coordinator")
    assert recorded.status_code == 200 and recorded.json()[0]["name"] == "Anna Borger"
    assert [r["resource_type"] for r in audit_rows(url)] == ["citizen_record"]
    assert get(instance, base, "/citizen-names/withholds", "coordinator").status_code == 200


def test_courses_responses_about_citizens_are_special_category_and_their_endpoints_declare_the_audit():
    """Guards brief gap b: courses' citizen records, participant names and support courses' citizen names were not
    marked `special_category`, so neither the import check nor the response check covered them."""
    from runtime.http.audit import special_categories_in
    from services.courses import schemas
    from services.courses.service import CoursesService

    for schema in (schemas.CitizenRecord, schemas.ParticipantView, schemas.SupportCourseDetail):
        assert special_categories_in(schema) == {"citizen_record"}, schema.__name__
    showing = [name for name in dir(CoursesService) if getattr(getattr(CoursesService, name), "audited_categories", None)]
    assert {"get_citizen", "list_participants", "get_support_course"} <= set(showing)
