"""The domain's plain exceptions become problem documents in one place (runtime/http/entrypoint.py `as_problem`)."""
import json

import pytest

from runtime import domain
from runtime.http.entrypoint import as_problem, problem_response


@pytest.mark.parametrize("error, status, problem_type", [
    (domain.NotFound("peer 1 does not exist"), 404, "/problems/not-found"),
    (domain.RuleBroken.field("status", "already published"), 409, "/problems/conflict"),
    (domain.InvalidValue.field("weekly_hours", "under the minimum"), 422, "/problems/invalid-input"),
])
def test_each_domain_error_has_its_status_and_keeps_its_fields(error, status, problem_type):
    body = json.loads(problem_response(as_problem(error)).get_data())
    assert (body["status"], body["type"], body["detail"]) == (status, problem_type, error.detail)
    assert body.get("errors", []) == error.errors


def test_a_domain_error_carries_no_http_status():
    assert not any(hasattr(cls, "status") for cls in (domain.NotFound, domain.RuleBroken, domain.InvalidValue))
