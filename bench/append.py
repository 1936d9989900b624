"""Append throughput at N concurrent writers vs a plain durable single-row INSERT loop on N connections.

Target: appends ≥ 0.5× the baseline (a table lock that serialises commits cannot get there).
"""
from __future__ import annotations

import argparse
import json
import uuid

from bench.common import paired_median, record, run_concurrently, scratch_database
from runtime import db, eventstore as es

PAYLOAD = {"support_mode": "both"}


def insert_loop(url: str, writers: int, per_writer: int) -> float:
    with db.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS baseline_rows (id bigserial PRIMARY KEY, payload jsonb NOT NULL)")

    def work(_):
        with db.connect(url, autocommit=True) as conn:
            for _ in range(per_writer):
                conn.execute("INSERT INTO baseline_rows (payload) VALUES (%s)", (json.dumps(PAYLOAD),))

    return writers * per_writer / run_concurrently(writers, work)


def append_loop(url: str, writers: int, per_writer: int) -> float:
    metadata = es.Metadata("bench", "region-1084", "bench", uuid.uuid4())

    def work(_):
        stream = es.stream_name("function_description", uuid.uuid4())
        with db.connect(url) as conn:
            for version in range(per_writer):
                es.append(conn, stream, [es.NewEvent("function_description.support_mode_decided", PAYLOAD)],
                          version - 1, metadata)
                conn.commit()

    return writers * per_writer / run_concurrently(writers, work)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--per-writer", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds; best of each is kept")
    args = parser.parse_args(argv)
    baseline, appends = [], []
    with scratch_database() as url:
        for r in range(args.rounds):  # interleaved (ABBA order) so machine noise hits both alike
            if r % 2:
                appends.append(append_loop(url, args.writers, args.per_writer))
                baseline.append(insert_loop(url, args.writers, args.per_writer))
            else:
                baseline.append(insert_loop(url, args.writers, args.per_writer))
                appends.append(append_loop(url, args.writers, args.per_writer))
            print(f"  round: baseline {baseline[-1]:.0f} rows/s, appends {appends[-1]:.0f} events/s", flush=True)
    figures = {
        "writers": args.writers,
        "per_writer": args.per_writer,
        "rounds": args.rounds,
        "baseline_insert_rows_per_s": round(max(baseline)),
        "append_events_per_s": round(max(appends)),
        "baseline_rounds": [round(b) for b in baseline],
        "append_rounds": [round(a) for a in appends],
        "ratio": round(max(appends) / max(baseline), 2),
        "ratio_median_paired": paired_median(appends, baseline),
        "target_ratio": 0.5,
    }
    record("append", figures)
    return figures


if __name__ == "__main__":
    main()
