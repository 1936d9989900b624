"""The shipped PostgreSQL configuration (deploy/postgres/postgresql.conf)."""
import re

from tests.support.instance import ROOT

CONF = ROOT / "deploy" / "postgres" / "postgresql.conf"


def setting(name: str) -> str | None:
    for line in CONF.read_text().splitlines():
        match = re.match(rf"^\s*{name}\s*=\s*'?([^'#]+?)'?\s*(#.*)?$", line)
        if match:
            return match.group(1)
    return None


def test_a_forgotten_session_cannot_hold_the_feed_horizon_for_long(conn):
    """Guards issue 8 item 6: a session idle inside a transaction holds its database's feed horizon, and
    with it every relay and catch-up; the shipped configuration ends such sessions after a bounded time."""
    value = setting("idle_in_transaction_session_timeout")
    assert value, "idle_in_transaction_session_timeout is not set"
    conn.execute(f"SET idle_in_transaction_session_timeout = '{value}'")  # PostgreSQL accepts it as written
    milliseconds = int(conn.execute("SELECT setting FROM pg_settings "
                                    "WHERE name = 'idle_in_transaction_session_timeout'").fetchone()["setting"])
    assert 10_000 <= milliseconds <= 600_000  # long enough for no service to hit it, short enough to matter
