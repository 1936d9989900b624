"""Helpers for benchmarks: throwaway databases, timing, and recording figures beside their baselines."""
from __future__ import annotations

import json
import os
import platform
import statistics
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from runtime import db  # first: pins PSYCOPG_WAIT_FUNC before psycopg is imported
from runtime.config import settings

# BENCH_RESULTS: elsewhere (the smoke test in tests/bench/ records there, not in the committed figures)
RESULTS = Path(os.environ.get("BENCH_RESULTS") or Path(__file__).parent / "results.json")
MANAGEMENT = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672")


@contextmanager
def scratch_database():
    url = f"{settings().pg_url}/bench_{uuid.uuid4().hex[:10]}"
    db.create_database(url)
    db.migrate(url)
    try:
        yield url
    finally:
        db.drop_database(url)


def management(method: str, path: str, wait: float = 120, **kwargs):
    """Call the RabbitMQ management API, waiting up to `wait` s for a broker that is (re)starting."""
    import requests

    deadline = time.monotonic() + wait
    while True:
        try:
            response = requests.request(method, f"{MANAGEMENT}/api/{path}", timeout=30, **kwargs)
            if response.status_code < 500:
                response.raise_for_status()
                return response
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"RabbitMQ management API not answering {method} {path} for {wait}s")
        time.sleep(1)


@contextmanager
def scratch_vhost():
    """A throwaway RabbitMQ vhost (management API) for guest; yields its AMQP URI, deleted afterwards."""
    name = f"bench-{uuid.uuid4().hex[:10]}"
    path = quote(name, safe="")
    management("PUT", f"vhosts/{path}")
    management("PUT", f"permissions/{path}/guest", json={"configure": ".*", "write": ".*", "read": ".*"})
    try:
        yield f"{settings().amqp_uri.rstrip('/')}/{path}"
    finally:
        management("DELETE", f"vhosts/{path}")


def horizon_blockers(conn, limit: int = 5) -> list[dict]:
    """The oldest open write transactions on the whole server: they hold the feed horizon back.

    The feed reads only below `pg_snapshot_xmin(pg_current_snapshot())`, and transaction ids are
    server-wide: one long write transaction in any database keeps every relay on the server waiting.
    """
    return conn.execute(
        "SELECT pid, datname, state, round(extract(epoch FROM now() - xact_start))::int AS open_s "
        "FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() "
        "ORDER BY xact_start LIMIT %s", (limit,)).fetchall()


def wait_for_horizon(url: str, transaction_id: int, timeout: float = 600) -> float:
    """Wait until the feed horizon has passed `transaction_id`; returns seconds waited, naming blockers."""
    started = time.monotonic()
    announced = False
    with db.connect(url, autocommit=True) as conn:
        while True:
            horizon = conn.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS x").fetchone()["x"]
            if horizon > transaction_id:
                return time.monotonic() - started
            if not announced and time.monotonic() - started > 1:
                print(f"  waiting: the feed horizon is held by open transactions elsewhere on the server: "
                      f"{horizon_blockers(conn)}", flush=True)
                announced = True
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"feed horizon stuck below {transaction_id} for {timeout}s")
            time.sleep(0.2)


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


def paired_median(measured: list[float], baseline: list[float]) -> float:
    """Median of the per-round ratios: each round's pair ran back to back, so it shares its noise."""
    return round(statistics.median(m / b for m, b in zip(measured, baseline)), 2)


def summary(samples: list[float]) -> dict:
    """p50/p99/mean of latency samples in seconds, as milliseconds."""
    return {"p50_ms": round(percentile(samples, 50) * 1000, 2), "p99_ms": round(percentile(samples, 99) * 1000, 2),
            "mean_ms": round(statistics.fmean(samples) * 1000, 2), "n": len(samples)}


def code_version() -> str:
    """The commit measured (`+changes` if runtime, services or contracts differ from it)."""
    if os.environ.get("BENCH_CODE_VERSION"):
        return os.environ["BENCH_CODE_VERSION"]
    import subprocess

    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "runtime", "services", "contracts"],
                               cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def record(name: str, figures: dict) -> None:
    """Print the figures and keep them in bench/results.json (latest run per benchmark)."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "code": code_version(),
        **figures,
    }
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    width = max(len(k) for k in figures)
    print(f"\n== {name}")
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")
