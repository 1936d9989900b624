"""Helpers for benchmarks: throwaway databases, timing, and recording figures beside their baselines."""
from __future__ import annotations

import json
import os
import platform
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from runtime import db
from runtime.config import settings

RESULTS = Path(__file__).parent / "results.json"


@contextmanager
def scratch_database():
    url = f"{settings().pg_url}/bench_{uuid.uuid4().hex[:10]}"
    db.create_database(url)
    db.migrate(url)
    try:
        yield url
    finally:
        db.drop_database(url)


def run_concurrently(workers: int, work) -> float:
    """Run `work(worker_index)` on `workers` OS threads; returns elapsed seconds."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def record(name: str, figures: dict) -> None:
    """Print the figures and keep them in bench/results.json (latest run per benchmark)."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        **figures,
    }
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    width = max(len(k) for k in figures)
    print(f"\n== {name}")
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")
