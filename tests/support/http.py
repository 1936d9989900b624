"""Asserting an HTTP answer's status and reading its JSON, in one call (every e2e test does this)."""


def ok(response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json()
