"""One writer of the race test: appends to its own streams with random pauses before commit, so that
transactions commit out of the order in which they took their global positions.

    python -m tests.support.race_writer <database url> <writer id> <transactions> <events per transaction>
"""
import random
import sys
import time
import uuid

import runtime  # noqa: F401
from runtime import db, eventstore as es


def main(url: str, writer: int, transactions: int, per_transaction: int) -> None:
    metadata = es.Metadata("roles", "region-1084", f"writer-{writer}", uuid.uuid4())
    rng = random.Random(writer)
    streams = [es.stream_name("function_description", uuid.uuid4()) for _ in range(20)]
    versions = {s: -1 for s in streams}
    with db.connect(url) as conn:
        for _ in range(transactions):
            stream = rng.choice(streams)
            events = [es.NewEvent("function_description.support_mode_decided",
                                  {"support_mode": rng.choice(["individual", "group", "both"])})
                      for _ in range(per_transaction)]
            es.append(conn, stream, events, versions[stream], metadata)
            versions[stream] += per_transaction
            if rng.random() < 0.3:
                time.sleep(rng.random() * 0.004)  # a slow transaction: holds an early position, commits late
            conn.commit()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
