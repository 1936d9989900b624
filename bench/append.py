"""Append throughput at N concurrent writers vs a plain durable single-row INSERT loop on N connections.

    .venv/bin/python -m bench.append [--writers 8,1 --per-writer 1000 --rounds 4]

- Baseline: a plain single-row `INSERT` loop on an autocommit connection (`synchronous_commit=on`): each
  row its own durable transaction, one round trip.
- Measured: `runtime.eventstore.append` of one event with its expected version, on an autocommit
  connection: the append is one statement, so it is its own durable transaction, in one round trip, like
  the baseline row (validation, expected-version check and the feed's transaction id included).
- Also measured (`in_transaction`): the same append inside an explicit transaction (BEGIN, append, COMMIT),
  as a service's unit of work runs it; BEGIN and COMMIT are round trips of their own.

Each writer has its own stream (no conflicts). Targets: ≥ 0.7× the baseline at 8 writers, ≥ 0.9× at 1.
Rounds rotate the order of the three loops, so machine noise hits each alike.
"""
from __future__ import annotations

import argparse
import json
import uuid

from bench.common import paired_median, record, run_concurrently, scratch_database
from runtime import db, eventstore as es

PAYLOAD = {"support_mode": "both"}
TARGETS = {8: 0.7, 1: 0.9}


def insert_loop(url: str, writers: int, per_writer: int) -> float:
    with db.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS baseline_rows (id bigserial PRIMARY KEY, payload jsonb NOT NULL)")

    def work(_):
        with db.connect(url, autocommit=True) as conn:
            for _ in range(per_writer):
                conn.execute("INSERT INTO baseline_rows (payload) VALUES (%s)", (json.dumps(PAYLOAD),))

    return writers * per_writer / run_concurrently(writers, work)


def append_loop(url: str, writers: int, per_writer: int, in_transaction: bool = False) -> float:
    metadata = es.Metadata("bench", "region-1084", "bench", uuid.uuid4())

    def work(_):
        stream = es.stream_name("function_description", uuid.uuid4())
        with db.connect(url, autocommit=not in_transaction) as conn:
            for version in range(per_writer):
                es.append(conn, stream, [es.NewEvent("function_description.support_mode_decided", PAYLOAD)],
                          version - 1, metadata)
                if in_transaction:
                    conn.commit()

    return writers * per_writer / run_concurrently(writers, work)


def measure(url: str, writers: int, per_writer: int, rounds: int) -> dict:
    loops = {
        "baseline": lambda: insert_loop(url, writers, per_writer),
        "append": lambda: append_loop(url, writers, per_writer),
        "in_transaction": lambda: append_loop(url, writers, per_writer, in_transaction=True),
    }
    rates: dict[str, list[float]] = {name: [] for name in loops}
    names = list(loops)
    for r in range(rounds):  # each round in another order
        for name in names[r % 3:] + names[:r % 3]:
            rates[name].append(loops[name]())
        print(f"  round ({writers} writers): baseline {rates['baseline'][-1]:.0f} rows/s, appends "
              f"{rates['append'][-1]:.0f} events/s, in a transaction {rates['in_transaction'][-1]:.0f}", flush=True)
    baseline, appends, in_transaction = rates["baseline"], rates["append"], rates["in_transaction"]
    return {
        "writers": writers,
        "per_writer": per_writer,
        "rounds": rounds,
        "baseline_insert_rows_per_s": round(max(baseline)),
        "append_events_per_s": round(max(appends)),
        "append_in_transaction_events_per_s": round(max(in_transaction)),
        "baseline_rounds": [round(b) for b in baseline],
        "append_rounds": [round(a) for a in appends],
        "append_in_transaction_rounds": [round(a) for a in in_transaction],
        "ratio": round(max(appends) / max(baseline), 2),
        "ratio_median_paired": paired_median(appends, baseline),
        "ratio_in_transaction": round(max(in_transaction) / max(baseline), 2),
        "target_ratio": TARGETS.get(writers, 0.7),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", default="8,1", help="comma-separated writer counts, each measured in turn")
    parser.add_argument("--per-writer", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4, help="rounds per writer count; best of each is kept")
    args = parser.parse_args(argv)
    figures = {}
    with scratch_database() as url:
        for writers in (int(w) for w in args.writers.split(",")):
            per_writer = args.per_writer if writers > 1 else args.per_writer * 2
            figures[writers] = measure(url, writers, per_writer, args.rounds)
            record("append" if writers == 8 else f"append_{writers}_writer{'s' if writers != 1 else ''}",
                   figures[writers])
    return figures


if __name__ == "__main__":
    main()
