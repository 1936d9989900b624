"""Answers at the HTTP contract layer (issue 9), against the real services: bad text and fractional integers
are refused naming the field, unknown paths and methods get problem documents, and the OpenAPI documents say
what the server really answers and accepts."""
from __future__ import annotations

import pytest

from runtime.http.openapi import document
from admin.services import service_class
from tests.support.instance import Instance

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    instance = Instance(services=("roles", "courses"), workdir=tmp_path_factory.mktemp("answers")).create()
    try:
        instance.start_service("roles")
        instance.start_service("courses")
        yield instance
    finally:
        instance.destroy()


def _refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("bad", ["a\u0000b", "a\ud800b"], ids=["nul", "lone-surrogate"])
def test_unstorable_text_is_refused_naming_the_field(running, bad):
    """Guards: a NUL or a lone surrogate in any string field was a 500 (UntranslatableCharacter)."""
    body = '{"workplace": "%s"}' % bad.encode("unicode_escape").decode().replace("\\x00", "\\u0000")
    adopted = running.call("POST", "roles", "/function-descriptions", roles=("coordinator",), data=body,
                           headers={"Content-Type": "application/json"})
    _refused(adopted, "workplace")
    method = running.call("POST", "courses", "/methods", roles=("coordinator",), json={"name": bad})
    _refused(method, "name")
    assert running.call("GET", "courses", "/methods", roles=("coordinator",)).status_code == 200


def test_unstorable_text_in_a_query_is_refused_naming_the_parameter(running):
    """A lone surrogate cannot travel in a URL (UTF-8); a NUL can (%00)."""
    hours = running.call("GET", "courses", "/reports/hours", roles=("coordinator",),
                         params={"from": "2026-01-01", "to": "2026-02-01", "peer_id": "a\u0000b"})
    _refused(hours, "peer_id")
    audit = running.call("GET", "roles", "/audit-log", roles=("admin",), params={"actor": "a\u0000b"})
    _refused(audit, "actor")


def test_integers_refuse_fractions(running):
    """Guards: `min_attendance_percent: 2.5` answered 201 and stored 2."""
    planned = running.call("POST", "courses", "/group-courses", roles=("coordinator",), json={
        "kind": "recovery_group", "title": "Recoverygruppe", "capacity": 10,
        "completion_rule": {"min_sessions_attended": 3, "min_attendance_percent": 2.5}})
    _refused(planned, "completion_rule.min_attendance_percent")
    adopted = running.call("POST", "roles", "/function-descriptions", roles=("coordinator",), json={"workplace": "w"})
    huge = running.call("PUT", "roles", f"/function-descriptions/{adopted.json()['id']}/support-mode",
                        roles=("coordinator",), json={"support_mode": "both", "expected_version": 10**36})
    _refused(huge, "expected_version")  # found by schemathesis: bigint overflow, a 500


def test_unknown_paths_and_methods_are_problem_documents(running):
    """Guards: a path segment that is not a UUID and a wrong method got werkzeug's HTML 404/405."""
    not_a_uuid = running.call("GET", "roles", "/function-descriptions/not-a-uuid", roles=("coordinator",))
    assert not_a_uuid.status_code == 404 and not_a_uuid.headers["Content-Type"] == PROBLEM
    assert not_a_uuid.json()["status"] == 404
    assert not_a_uuid.json()["correlation_id"] == not_a_uuid.headers["X-Correlation-ID"]
    wrong_method = running.call("DELETE", "roles", "/function-descriptions", roles=("coordinator",))
    assert wrong_method.status_code == 405 and wrong_method.headers["Content-Type"] == PROBLEM
    assert "POST" in wrong_method.headers["Allow"]


def test_query_parameters_are_validated_and_documented(running):
    """Guards: `from`/`to`, `as_of`, `status`, `limit` were undocumented, so clients met undocumented 422s."""
    bad_status = running.call("GET", "roles", "/volunteer-agreements", roles=("coordinator",),
                              params={"status": "sometimes"})
    _refused(bad_status, "status")
    bad_limit = running.call("GET", "roles", "/audit-log", roles=("admin",), params={"limit": "2.5"})
    _refused(bad_limit, "limit")
    roles, courses = document(service_class("roles")), document(service_class("courses"))

    def query(spec, path):
        return {p["name"]: p for p in spec["paths"][path]["get"]["parameters"] if p["in"] == "query"}

    hours = query(courses, "/reports/hours")
    assert hours["from"]["required"] and hours["from"]["schema"]["format"] == "date"
    assert {"draft", "active", "paused", "ended"} <= set(query(roles, "/volunteer-agreements")["status"]["schema"]["enum"])
    assert query(roles, "/volunteer-agreements/due-for-renewal")["as_of"]["schema"]["format"] == "date"
    limit = query(roles, "/audit-log")["limit"]["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"]) == ("integer", 1, 1000)


def test_documents_are_as_strict_as_the_server(running):
    """Guards: `mentor` with extra keys and `special_tasks` keys outside 1-5 were valid per OpenAPI, refused
    by the server; /metrics was documented as JSON but is Prometheus text."""
    spec = document(service_class("roles"))
    local = spec["components"]["schemas"]["LocalFields"]["properties"]
    assert local["mentor"]["oneOf"][1]["additionalProperties"] is False
    assert set(local["special_tasks"]["properties"]) == {"1", "2", "3", "4", "5"}
    assert local["special_tasks"]["additionalProperties"] is False
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(metrics) == ["text/plain; version=0.0.4"]
    served = running.call("GET", "roles", "/metrics", roles=("admin",))
    assert served.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "404" in spec["paths"]["/function-descriptions/{description_id}"]["get"]["responses"]
    assert "MethodNotAllowed" in spec["components"]["responses"]
