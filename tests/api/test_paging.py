"""Lists that grow with an instance's data answer a page at a time (runtime/http/paging.py): `limit` and
`offset`, a `Link` header to the next page of a full one, pages that neither repeat nor skip a row."""
from __future__ import annotations

import inspect
import re

import pytest

from runtime.http.openapi import api_entrypoints
from runtime.http.paging import MAX_LIMIT
from services.courses.service import CoursesService
from services.national.service import NationalService
from services.network.service import NetworkService
from services.notifications.service import NotificationsService
from services.roles.service import RolesService

SERVICES = (RolesService, CoursesService, NetworkService, NotificationsService, NationalService)
# Lists that are bounded by something other than the instance's size, each with its bound.
BOUNDED = {
    ("roles", "GET /function-descriptions/<uuid:description_id>/history"): "one description's revisions",
    ("roles", "GET /volunteer-agreements/due-for-renewal"): "agreements due around one day",
    ("courses", "GET /group-courses/<uuid:course_id>/participants"): "one course's capacity",
    ("courses", "GET /group-courses/<uuid:course_id>/feedback"): "one course's participants",
    ("courses", "GET /methods"): "the methods catalogue",
    ("courses", "GET /competence-modules"): "the national competence catalogue",
    ("courses", "GET /reports/hours"): "one row a peer and month of the asked period",
    ("network", "GET /networks/<uuid:network_id>/members"): "one network's members",
    ("network", "GET /networks/<uuid:network_id>/resources"): "one network's shared resources",
    ("network", "GET /national-events/<uuid:national_event_id>/sign-ups"): "one national event's places",
    ("notifications", "GET /inbox"): "the caller's newest 200 (LIMIT in the statement)",
    ("notifications", "GET /rules"): "the rules, data in the code",
    ("national", "GET /national/competence-modules"): "the national competence catalogue",
    ("roles", "POST /volunteer-agreements/renewal-reminders"): "what the command raised",
    ("courses", "POST /group-courses/<uuid:course_id>/participants/<uuid:participant_id>/withdraw"):
        "the places the withdrawal freed",
    # Not bounded, and left: eligibility is decided by folding each agreement's stream (no read model holds
    # it), so a page of candidates would answer fewer than `limit` eligible ones and the next link would lie.
    ("roles", "GET /volunteer-agreements/eligible-for-statement"): "every agreement, folded (known, unpaged)",
}
BOUNDED.update({(s.name, "GET /audit-log"): "its own `limit` (≤ 1000, newest first)" for s in SERVICES})


def test_every_list_is_paged_or_bounded():
    unpaged = []
    for service in SERVICES:
        for name, entrypoint in api_entrypoints(service):
            key = (service.name, f"{entrypoint.method} {entrypoint.url}")
            if entrypoint.many and not entrypoint.paged and key not in BOUNDED:
                unpaged.append(key)
            if entrypoint.paged:  # the method pages its statement (each orders by its id last: read them)
                source = inspect.getsource(getattr(service, name))
                assert "page_clause(query)" in source or 'query["offset"]' in source, key
    assert unpaged == []


@pytest.fixture
def roles(instance):
    instance.start_service("roles")
    return instance


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [d["id"] for d in response.json()]


def test_pages_follow_the_link_without_repeating_or_skipping(roles):
    for workplace in ("Parkvænget", "Østervang", "Parkvænget", "Bakkehuset", "Parkvænget"):
        assert roles.call("POST", "roles", "/function-descriptions", json={"workplace": workplace}).status_code == 201
    everything = _ids(roles.call("GET", "roles", "/function-descriptions"))
    assert len(everything) == 5
    assert "Link" not in roles.call("GET", "roles", "/function-descriptions").headers  # not a full page

    seen, path, pages = [], "/function-descriptions?limit=2", 0
    while path:
        response = roles.call("GET", "roles", path)
        seen += _ids(response)
        pages += 1
        link = response.headers.get("Link")
        path = re.fullmatch(r'<(.+)>; rel="next"', link).group(1) if link else None
    assert seen == everything and pages == 3  # 2 + 2 + 1: the last page is not full, so no link

    parkvaenget = roles.call("GET", "roles", "/function-descriptions", params={"workplace": "Parkvænget"}).json()
    assert [d["workplace"] for d in parkvaenget] == ["Parkvænget"] * 3
    filtered = roles.call("GET", "roles", "/function-descriptions", params={"workplace": "Parkvænget", "limit": 2})
    assert 'workplace=Parkv%C3%A6nget' in filtered.headers["Link"] and "offset=2" in filtered.headers["Link"]
    assert _ids(roles.call("GET", "roles", "/function-descriptions", params={"offset": 5})) == []


@pytest.mark.parametrize("params,field", [({"limit": 0}, "limit"), ({"limit": MAX_LIMIT + 1}, "limit"),
                                          ({"limit": "ti"}, "limit"), ({"offset": -1}, "offset"),
                                          ({"offset": "1e3"}, "offset"), ({"workplace": ""}, "workplace")])
def test_a_bad_page_is_refused_naming_the_field(roles, params, field):
    response = roles.call("GET", "roles", "/function-descriptions", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
