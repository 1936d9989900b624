"""Logs an operator can follow (issue 8, items 21 and 22), on real roles and notifications processes:
every log line of a request and of a consumed event carries its correlation id, every problem
document gives it, and client errors (409, 422) are logged at INFO with their status, not at ERROR."""
import functools
import json
import uuid

from tests.support.instance import wait_until

CONFLICTS, INVALID = 20, 5


def lines(process):
    parsed = []
    for line in process.log().splitlines():
        try:
            parsed.append(json.loads(line))
        except ValueError:
            continue  # eventlet's banner and other non-JSON start-up output
    return parsed


def of_worker(entries, worker: str):
    return [e for e in entries if f"WorkerContext [{worker}]" in e["message"]]


def test_correlation_ids_reach_every_line_of_a_request_and_of_a_consumed_event(instance):
    """Guards item 21: a request sent with X-Correlation-ID had no log line carrying it, the event it caused
    was handled without it in the consumer's logs, and problem documents did not give it."""
    instance.env = functools.partial(instance.env, LOG_LEVEL="DEBUG")
    roles, notifications = instance.start_service("roles"), instance.start_service("notifications")
    instance.start_relay("roles")
    correlation = str(uuid.uuid4())
    adopted = instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Parkvænget"},
                            headers={"X-Correlation-ID": correlation})
    assert adopted.status_code == 201 and adopted.headers["X-Correlation-ID"] == correlation

    request_lines = of_worker(lines(roles), "roles.adopt")
    assert request_lines, "nameko logs the worker at DEBUG"
    assert {e.get("correlation_id") for e in request_lines} == {correlation}
    # The access line is written after the answer has gone out: wait for it rather than race it.
    access = wait_until(lambda: [e for e in lines(roles) if "POST /function-descriptions" in e["message"]],
                        timeout=10, message="the access log line of the request")
    assert {e.get("correlation_id") for e in access} == {correlation}

    # The event the request caused is handled, in notifications, under the same correlation id.
    handled = wait_until(lambda: of_worker(lines(notifications), "notifications.on_function_description"),
                         timeout=60, message="notifications handling the event")
    assert {e.get("correlation_id") for e in handled} == {correlation}

    # Problem documents carry it: one the client named, and one generated when it sent none.
    stale = instance.call("PATCH", "roles", f"/function-descriptions/{adopted.json()['id']}/local-fields",
                          json={"fields": {"mentor": "Mette"}, "expected_version": 0},
                          headers={"X-Correlation-ID": correlation})
    assert stale.status_code == 409 and stale.json()["correlation_id"] == correlation
    invalid = instance.call("POST", "roles", "/function-descriptions", json={"workplace": ""})
    assert invalid.status_code == 422
    assert invalid.json()["correlation_id"] == invalid.headers["X-Correlation-ID"]
    uuid.UUID(invalid.json()["correlation_id"])


def test_client_errors_are_logged_at_info_with_their_status(instance):
    """Guards item 22: every 409 and 422 was logged at ERROR by nameko.containers (about 600 lines for
    50 conflicting requests); ERROR is for what ops must act on."""
    roles = instance.start_service("roles")
    adopted = instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Bro"})
    path = f"/function-descriptions/{adopted.json()['id']}"
    for _ in range(CONFLICTS):
        stale = instance.call("PATCH", "roles", f"{path}/local-fields", json={"fields": {"mentor": "Mette"},
                                                                             "expected_version": 0})
        assert stale.status_code == 409
    for _ in range(INVALID):  # refused by the domain inside the worker: required fields are empty
        assert instance.call("POST", "roles", f"{path}/publish", json={}).status_code == 422

    def by_level(level, status=None):
        return [e for e in lines(roles) if e["level"] == level and (status is None or e.get("status") == status)]

    wait_until(lambda: len(by_level("INFO", 422)) == INVALID, timeout=10, message="the 422 lines written")
    assert by_level("ERROR") == []
    assert [e for e in by_level("WARNING") if e["logger"] == "nameko.containers"] == []
    assert len(by_level("INFO", 409)) == CONFLICTS
    assert len(by_level("INFO", 422)) == INVALID
    assert all(e["message"].startswith("client error handling worker") for e in by_level("INFO", 409))
