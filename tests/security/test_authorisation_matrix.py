"""The role/instance matrix: every HTTP endpoint of every service, called by every role alone, by a token
of another instance, and without a valid token, answers as its declaration says.

- `allow=PUBLIC`: anyone, with or without a token, gets no 401/403.
- otherwise: no token, an expired, a forged or another audience's token -> 401; a valid token of another
  instance, even with every role -> 403 (foreign-instance); a role not declared -> 403 (role-not-allowed);
  a role declared -> past the declaration: no 401, no declaration 403, no 500 (the domain answers,
  e.g. 404/422, or its own resource-level 403 such as "not your record").

The endpoints are found by walking the service classes (as `peer-admin declare-topology` does), so a
new endpoint is in the matrix the moment it exists; one without a declaration cannot even be imported
(runtime/http/entrypoint.py refuses it). Real service processes answer, through the real HTTP stack.
"""
from __future__ import annotations

import inspect
import re
import time
import uuid

import jwt
import pytest
import requests

from runtime import db
from runtime.http.auth import FOREIGN_INSTANCE, PUBLIC, ROLE_NOT_ALLOWED, ROLES
from runtime.http.entrypoint import ApiEntrypoint
from admin.services import SERVICES, service_class
from tests.support.instance import Instance, wait_until

OTHER_INSTANCE = "kommune-0101"
_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def endpoints() -> list[tuple[str, str, str, ApiEntrypoint]]:
    found = []
    for service in SERVICES:
        for _, member in inspect.getmembers(service_class(service)):
            for entrypoint in getattr(member, "nameko_entrypoints", ()):
                if isinstance(entrypoint, ApiEntrypoint):
                    for method in entrypoint.method.split(","):
                        found.append((service, method.strip().upper(), entrypoint.url, entrypoint))
    return sorted(found, key=lambda e: e[:3])


def concrete(url: str) -> str:
    fillers = {"uuid": lambda: str(uuid.uuid4()), "int": lambda: "1"}
    return _ARGUMENT.sub(lambda m: fillers.get(m.group(1) or "", lambda: "x")(), url)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    created = Instance(services=SERVICES, workdir=tmp_path_factory.mktemp("matrix")).create()
    try:
        for service in created.services:
            created.start_service(service)
        yield created
    finally:
        created.destroy()


def principals(instance) -> dict[str, dict]:
    """Name -> Authorization header (or none); each role alone, then the ones that must be refused."""
    now = int(time.time())
    valid = {"sub": str(uuid.uuid4()), "instance": instance.instance_id, "aud": "peer-platform", "iat": now,
             "exp": now + 600}
    bearer = lambda token: {"Authorization": f"Bearer {token}"}  # noqa: E731
    # Subjects are ids, as an identity provider's are (a service may require its peers' subjects to be ids).
    table = {f"role:{role}": bearer(instance.token(role, subject=str(uuid.uuid4()))) for role in ROLES}
    table.update({
        "no-token": {},
        "not-bearer": {"Authorization": "Basic bWF0cml4OnVzZXI="},
        "expired": bearer(jwt.encode({**valid, "roles": list(ROLES), "iat": now - 7200, "exp": now - 3600},
                                     instance.jwt_secret, algorithm="HS256")),
        "forged": bearer(jwt.encode({**valid, "roles": list(ROLES)}, "another-secret-" + "z" * 32, algorithm="HS256")),
        "other-audience": bearer(jwt.encode({**valid, "roles": list(ROLES), "aud": "another-system"},
                                            instance.jwt_secret, algorithm="HS256")),
        "foreign-instance": bearer(instance.token(*ROLES, instance=OTHER_INSTANCE)),
    })
    return table


def expected(entrypoint: ApiEntrypoint, principal: str) -> str:
    if entrypoint.allow == PUBLIC:
        return "served"
    if principal in ("no-token", "not-bearer", "expired", "forged", "other-audience"):
        return "401"
    if principal == "foreign-instance":
        return f"403 {FOREIGN_INSTANCE}"
    return "served" if principal.removeprefix("role:") in entrypoint.allow else f"403 {ROLE_NOT_ALLOWED}"


def outcome(response) -> str:
    if response.status_code == 401:
        return "401"
    if response.status_code == 403 and response.json()["type"] in (FOREIGN_INSTANCE, ROLE_NOT_ALLOWED):
        return f"403 {response.json()['type']}"
    return "served" if response.status_code < 500 else f"error {response.status_code}"


def test_the_matrix_covers_every_service_and_endpoint():
    found = endpoints()
    assert {"roles", "notifications"} <= {service for service, *_ in found}
    for service, method, url, entrypoint in found:
        assert entrypoint.allow == PUBLIC or (entrypoint.allow and set(entrypoint.allow) <= set(ROLES)), (
            f"{service} {method} {url}: allow={entrypoint.allow!r}")
    protected = [e for e in found if e[3].allow != PUBLIC]
    assert len(protected) >= 8, "the matrix would check almost nothing"


@pytest.mark.parametrize("service, method, url, entrypoint", endpoints(),
                         ids=[f"{s} {m} {u}" for s, m, u, _ in endpoints()])
def test_every_endpoint_answers_every_principal_as_declared(instance, service, method, url, entrypoint):
    wrong = []
    for name, headers in principals(instance).items():
        kwargs = {"json": {}} if entrypoint.body_schema is not None else {}
        response = requests.request(method, instance.url(service, concrete(url)), headers=headers, timeout=30,
                                    **kwargs)
        got, want = outcome(response), expected(entrypoint, name)
        if got != want:
            wrong.append(f"{name}: expected {want}, got {response.status_code} {response.text[:200]}")
        if got != "served":
            assert response.headers["Content-Type"] == "application/problem+json"
            assert response.json()["status"] == response.status_code
        if got == "401":
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not wrong, f"{service} {method} {url} (allow={entrypoint.allow}):\n" + "\n".join(wrong)


# -- rows: whose data, not only which role ------------------------------------------------------------
# For each resource a peer may read by its role, the peer whose data it is (the peer, the volunteer, the
# course's facilitator, the support course's matched peer) is served, and any other peer gets the domain's
# 403: a participant of the course, a peer registered elsewhere, a token whose subject is no registered peer.
ROW_RESOURCES = {"/group-courses/": "group_course", "/calendars/group-courses/": "group_course",
                 "/support-courses/": "support_course", "/citizens/": "citizen", "/calendars/peers/": "peer",
                 "/peers/": "peer", "/volunteer-agreements/": "agreement", "/networks/": "network",
                 "/calendars/networks/": "network", "/meetings/": "meeting"}


def _resource(url: str) -> str | None:
    return next((kind for prefix, kind in ROW_RESOURCES.items() if url.startswith(prefix)), None)


def row_endpoints() -> list[tuple[str, str, str]]:
    """Every GET a peer may call that names one resource of ROW_RESOURCES in its URL."""
    return [(service, url, _resource(url)) for service, method, url, entrypoint in endpoints()
            if method == "GET" and entrypoint.allow != PUBLIC and "peer" in entrypoint.allow
            and len(_ARGUMENT.findall(url)) == 1 and _resource(url)]


@pytest.fixture(scope="module")
def rows(instance):
    """One of each resource whose owner is one peer; other peers: a participant, an outsider, an unregistered one."""
    owner, participant, outsider = (str(uuid.uuid4()) for _ in range(3))
    coordinator = {"Authorization": f"Bearer {instance.token('coordinator', subject=str(uuid.uuid4()))}"}

    def post(service, path, body):
        answer = requests.post(instance.url(service, path), json=body, headers=coordinator, timeout=30)
        assert answer.status_code == 201, answer.text
        return answer.json()

    course = post("courses", "/group-courses", {
        "kind": "recovery_group", "title": "Recoverygruppe", "capacity": 8, "facilitator_peer_ids": [owner],
        "completion_rule": {"min_sessions_attended": 1, "min_attendance_percent": 50}})
    post("courses", f"/group-courses/{course['id']}/participants", {"participant_type": "staff",
                                                                    "peer_id": participant})
    citizen = post("courses", "/citizens", {"name": "Borger"})
    support = post("courses", "/support-courses", {"citizen_id": citizen["id"], "peer_id": owner})
    for peer in (owner, participant, outsider):
        post("roles", "/peers", {"peer_id": peer, "kind": "volunteer", "title": "frivillig peer", "name": "P",
                                 "workplace": "Bro"})
    agreement = post("roles", "/volunteer-agreements", {
        "volunteer_id": owner, "coordinator_id": str(uuid.uuid4()), "project": "Bro", "name": "P",
        "address": "Vej 1", "postcode": "2840", "city": "Holte", "phone": "+45 20 30 40 50",
        "email": "p@example.dk", "cpr": "010190-1234", "start_date": "2025-01-06"})
    ids = {"group_course": course["id"], "support_course": support["id"], "citizen": citizen["id"],
           "peer": owner, "agreement": agreement["id"]}
    if "network" in instance.services:
        ids.update(_network_rows(instance, post, owner, (participant, outsider)))
    return {"owner": owner, "others": {"participant": participant, "outsider": outsider,
                                        "unregistered": str(uuid.uuid4())}, "ids": ids}


def _network_rows(instance, post, owner, others) -> dict:
    """A network whose member is the owner (another peer takes part in a meeting of another network), and
    a meeting of it. Network learns of peers from roles' events: the roles relay brings them."""
    instance.start_relay("roles")

    def known():
        with db.connect(instance.database_url("network")) as conn:
            return conn.execute("SELECT count(*) AS n FROM network_peers").fetchone()["n"] >= 1 + len(others)
    wait_until(known, timeout=30, message="network knows the peers")
    schedule = {"frequency": "once", "starts_at": "2026-03-05T10:00:00+01:00", "duration_minutes": 120}
    network = post("network", "/networks", {"name": "Peer-netværk", "purpose": "Sparring", "kind": "regional",
                                            "facilitator_peer_ids": [owner]})
    elsewhere = post("network", "/networks", {"name": "Et andet netværk", "purpose": "Sparring", "kind": "theme",
                                              "facilitator_peer_ids": [others[0]]})
    post("network", "/meetings", {"kind": "group_supervision", "title": "Supervision", "place": "Mødelokalet",
                                  "network_id": elsewhere["id"], "schedule": schedule})
    meeting = post("network", "/meetings", {"kind": "network_meeting", "title": "Netværksmøde", "place": "Huset",
                                            "network_id": network["id"], "schedule": schedule})
    return {"network": network["id"], "meeting": meeting["id"]}


def test_the_row_matrix_covers_participants_and_feedback():
    urls = {url for _, url, _ in row_endpoints()}
    assert {"/group-courses/<uuid:course_id>/participants", "/group-courses/<uuid:course_id>/feedback",
            "/peers/<uuid:peer_id>", "/volunteer-agreements/<uuid:agreement_id>",
            "/networks/<uuid:network_id>/members", "/meetings/<uuid:meeting_id>"} <= urls


@pytest.mark.parametrize("service, url, resource", row_endpoints(), ids=[f"{s} {u}" for s, u, _ in row_endpoints()])
def test_a_peer_reads_only_their_own_rows(instance, rows, service, url, resource):
    """Guards item 23: any peer token (even one naming no registered peer, or a peer enrolled as a participant)
    read every course's participants and feedback: citizen ids, attendance, completion, ratings."""
    path = _ARGUMENT.sub(rows["ids"][resource], url)

    def as_peer(subject):
        return requests.get(instance.url(service, path), timeout=30,
                            headers={"Authorization": f"Bearer {instance.token('peer', subject=subject)}"})

    served = as_peer(rows["owner"])
    assert served.status_code < 400, f"the owner is refused their own {url}: {served.text[:200]}"
    for who, subject in rows["others"].items():
        refused = as_peer(subject)
        assert refused.status_code == 403 and refused.json()["type"] == "/problems/forbidden", (
            f"{who} peer on {url}: {refused.status_code} {refused.text[:200]}")
