"""Counting the statements a connection sends: statement counts are exact where timings are not."""
from __future__ import annotations

from contextlib import contextmanager

import psycopg


@contextmanager
def counting_statements(conn: psycopg.Connection):
    """Every statement `conn` executes through a cursor inside the block (its text, as composed), in order.
    Transaction control (BEGIN, COMMIT) is not a cursor's and is not counted."""
    seen: list[str] = []

    class Counting(conn.cursor_factory):
        def execute(self, query, params=None, **kwargs):
            seen.append(query.as_string(conn) if hasattr(query, "as_string") else str(query))
            return super().execute(query, params, **kwargs)

        def executemany(self, query, params_seq, **kwargs):
            params_seq = list(params_seq)
            text = query.as_string(conn) if hasattr(query, "as_string") else str(query)
            seen.extend([text] * len(params_seq))
            return super().executemany(query, params_seq, **kwargs)

    previous = conn.cursor_factory
    conn.cursor_factory = Counting
    try:
        yield seen
    finally:
        conn.cursor_factory = previous
