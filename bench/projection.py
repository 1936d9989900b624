"""Projection rebuild vs a plain scan of the same rows, in the same run.

    .venv/bin/python -m bench.projection [--events 1000000] [--rounds 2]

Setup (untimed): a scratch database with the event store's and the roles service's migrations; one
function description's five events are appended through `runtime.eventstore.append` and copied with
`COPY` to `--events / 5` streams (new event ids and stream names, same types, payloads and metadata).

- Baseline: a plain scan of the same rows: `SELECT` of the feed's columns in feed order through a
  server-side cursor, 1,000 rows at a time, every row fetched into Python.
- Measured: `runtime.eventstore.projection.rebuild` of the roles read models (`services.roles.projections`),
  page-wise through `project_page` as `peer-admin rebuild roles` runs it, in one transaction, committed.

Target: rebuild ≥ 0.25× the scan's events/s.
"""
from __future__ import annotations

import argparse
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from bench.common import db, paired_median, record, settings, wait_for_horizon
from bench.relay import description_events

from runtime import eventstore as es
from runtime.eventstore.projection import rebuild

ROLES_MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "roles" / "migrations"
_COLUMNS = ("event_id, event_type, schema_version, stream_name, stream_version, global_position, "
            "transaction_id, occurred_at, metadata, payload")


@contextmanager
def roles_database():
    """A scratch database migrated like the roles service's."""
    url = f"{settings().pg_url}/bench_{uuid.uuid4().hex[:10]}"
    db.create_database(url)
    db.migrate(url, ROLES_MIGRATIONS)
    try:
        yield url
    finally:
        db.drop_database(url)


def fill(url: str, events: int, per_transaction: int = 100_000) -> int:
    """COPY about `events` events (5 per function description stream); returns how many."""
    metadata = es.Metadata("roles", "region-1084", "bench", uuid.uuid4())
    with db.connect(url) as conn:
        template = es.append(conn, es.stream_name("function_description", uuid.uuid4()),
                             description_events("Arbejdsplads 0"), es.NO_STREAM, metadata)
        conn.commit()
        rows = conn.execute("SELECT event_type, schema_version, payload::text AS payload, "
                            "metadata::text AS metadata, occurred_at FROM events ORDER BY global_position").fetchall()
        copied, streams = len(template), max(0, events // len(rows) - 1)
        columns = "event_id, stream_name, stream_version, event_type, schema_version, payload, metadata, occurred_at"
        for start in range(0, streams, per_transaction // len(rows)):
            with conn.cursor().copy(f"COPY events ({columns}) FROM STDIN") as copy:
                for _ in range(start, min(streams, start + per_transaction // len(rows))):
                    stream = es.stream_name("function_description", uuid.uuid4())
                    for version, r in enumerate(rows):
                        copy.write_row((uuid.uuid4(), stream, version, r["event_type"], r["schema_version"],
                                        r["payload"], r["metadata"], r["occurred_at"]))
                        copied += 1
            conn.commit()
        last = conn.execute("SELECT max(transaction_id)::text::bigint AS t FROM events").fetchone()["t"]
        conn.execute("ANALYZE events")
        conn.commit()
    wait_for_horizon(url, last)
    return copied


def plain_scan(url: str) -> float:
    """Baseline: every row of the events table in feed order through a server-side cursor; rows/s."""
    with db.connect(url) as conn:
        started = time.perf_counter()
        n = 0
        with conn.cursor(name="scan") as cur:
            cur.itersize = 1000
            cur.execute(f"SELECT {_COLUMNS} FROM events ORDER BY transaction_id, global_position")
            for _ in cur:
                n += 1
        elapsed = time.perf_counter() - started
        conn.rollback()
    return n / elapsed


def rebuild_run(url: str) -> float:
    """Measured: the roles service's rebuild, committed; events/s."""
    from services.roles import projections

    with db.connect(url) as conn:
        started = time.perf_counter()
        replayed = rebuild(conn, projections.READ_MODEL_TABLES, projections.project,
                           project_page=projections.project_page)
        conn.commit()
        return replayed / (time.perf_counter() - started)


def measure(events: int, rounds: int) -> dict:
    scans, rebuilds = [], []
    with roles_database() as url:
        started = time.perf_counter()
        count = fill(url, events)
        setup_s = time.perf_counter() - started
        print(f"  {count} events copied in {setup_s:.1f}s", flush=True)
        for _ in range(rounds):
            scans.append(plain_scan(url))
            rebuilds.append(rebuild_run(url))
            print(f"  round: scan {scans[-1]:.0f} rows/s, rebuild {rebuilds[-1]:.0f} events/s", flush=True)
    return {
        "events": count,
        "rounds": rounds,
        "setup_copy_s": round(setup_s, 1),
        "baseline_scan_rows_per_s": round(max(scans)),
        "rebuild_events_per_s": round(max(rebuilds)),
        "baseline_rounds": [round(s) for s in scans],
        "rebuild_rounds": [round(r) for r in rebuilds],
        "ratio": round(max(rebuilds) / max(scans), 2),
        "ratio_median_paired": paired_median(rebuilds, scans),
        "target_ratio": 0.25,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; best of each is kept")
    args = parser.parse_args(argv)
    figures = measure(args.events, args.rounds)
    record("projection", figures)
    return figures


if __name__ == "__main__":
    main()
