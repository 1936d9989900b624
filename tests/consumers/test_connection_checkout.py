"""The pool's check at checkout (runtime/service/database.py): no round trip for a healthy connection, and a
connection whose server session ended is still caught (and replaced by the pool)."""
import time

import psycopg
import pytest

from runtime import db
from runtime.service.database import check_at_checkout


def last_query(database_url, pid: int) -> str:
    with db.connect(database_url, autocommit=True) as other:
        return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()["query"]


def test_a_healthy_connection_is_handed_out_without_a_round_trip(database_url):
    with db.connect(database_url) as conn:
        conn.execute("SELECT 'marker'")
        conn.rollback()  # as the pool gets it back: idle, its last statement the ROLLBACK
        check_at_checkout(conn)
        assert last_query(database_url, conn.info.backend_pid) == "ROLLBACK"  # the pool's own check sends ""


def test_a_connection_whose_session_ended_is_refused(database_url):
    with db.connect(database_url) as conn:
        conn.execute("SELECT 1")
        conn.rollback()
        with db.connect(database_url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
        time.sleep(0.2)
        with pytest.raises(psycopg.OperationalError):
            check_at_checkout(conn)


def test_a_connection_left_in_a_transaction_gets_the_full_check(database_url):
    with db.connect(database_url) as conn:
        conn.execute("SELECT 1")  # a transaction is open
        with pytest.raises(psycopg.ProgrammingError):  # the pool's own check refuses to toggle autocommit now
            check_at_checkout(conn)
