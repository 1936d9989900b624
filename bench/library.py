"""Appends beside the `eventsourcing` library's PostgreSQL recorder on the same database, in the same run.

    .venv/bin/python -m bench.library [--writers 8 --per-writer 500 --rounds 2]

Needs `pip install -r bench/requirements.txt` (benchmark only; not in requirements.lock).
- Baseline: `eventsourcing.postgres.PostgresApplicationRecorder.insert_events` of one stored event per
  call (its own transaction and commit), each writer on its own aggregate, in its own table of the same
  scratch database.
- Measured: `runtime.eventstore.append` of one event with its expected version, then `COMMIT`
  (`bench.append.append_loop`, the same loop the append benchmark times).
Rounds alternate (ABBA). Target: ≥ 1.0× the library's recorder.
"""
from __future__ import annotations

import argparse
import json
import uuid
from urllib.parse import urlsplit

from bench.append import PAYLOAD, append_loop
from bench.common import paired_median, record, run_concurrently, scratch_database


def recorder_for(url: str, writers: int):
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    parts = urlsplit(url)
    datastore = PostgresDatastore(parts.path.lstrip("/"), parts.hostname or "127.0.0.1", parts.port or 5432,
                                  parts.username or "postgres", parts.password or "", pool_size=writers)
    recorder = PostgresApplicationRecorder(datastore, events_table_name="library_stored_events")
    recorder.create_table()
    return datastore, recorder


def library_loop(recorder, writers: int, per_writer: int) -> float:
    from eventsourcing.persistence import StoredEvent

    state = json.dumps(PAYLOAD).encode()

    def work(_):
        aggregate = uuid.uuid4()
        for version in range(1, per_writer + 1):
            recorder.insert_events([StoredEvent(aggregate, version, "function_description.support_mode_decided",
                                                state)])

    return writers * per_writer / run_concurrently(writers, work)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--per-writer", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2, help="pairs of rounds, ABBA")
    args = parser.parse_args(argv)
    ours, theirs = [], []
    with scratch_database() as url:
        datastore, recorder = recorder_for(url, args.writers)
        try:
            for i in range(args.rounds):
                pair = [lambda: ours.append(append_loop(url, args.writers, args.per_writer)),
                        lambda: theirs.append(library_loop(recorder, args.writers, args.per_writer))]
                for step in (pair if i % 2 == 0 else pair[::-1]):
                    step()
                print(f"  round: eventstore.append {ours[-1]:.0f} events/s, "
                      f"eventsourcing recorder {theirs[-1]:.0f} events/s", flush=True)
        finally:
            datastore.close()
    figures = {
        "writers": args.writers, "per_writer": args.per_writer, "rounds": args.rounds,
        "append_events_per_s": round(max(ours)), "baseline_eventsourcing_events_per_s": round(max(theirs)),
        "append_rounds": [round(x) for x in ours], "baseline_rounds": [round(x) for x in theirs],
        "ratio": round(max(ours) / max(theirs), 2), "ratio_median_paired": paired_median(ours, theirs),
        "target_ratio": 1.0,
    }
    record("library", figures)
    return figures


if __name__ == "__main__":
    main()
