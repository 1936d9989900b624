"""A mixed load on one instance: throughput, latency percentiles and lags over time, drawn as a plot.

    .venv/bin/python -m bench.mixed [--seconds 600] [--writers 2] [--readers 1]

On a throwaway instance (roles, notifications and the roles relay as real processes):
- Baseline (same run, before the load): the same command (a function description adopted) sent alone,
  one at a time, `--baseline-commands` times.
- Measured: for `--seconds`, `--writers` threads take function descriptions through their life
  (adopt, fill, decide, publish) and `--readers` threads list them, all at once. Every second it samples
  commands done, reads done, the relay's lag (roles events past its checkpoint) and the consumer's lag
  (published descriptions whose notification row is not in the notifications database yet).
- The plot (matplotlib, bench/requirements.txt) is saved as bench/mixed.png beside bench/results.json.

No target of its own: the figures show whether throughput and lags stay flat over the run.
"""
from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from bench.common import RESULTS, db, management, percentile, record
from bench.workload import COMMANDS_PER_DESCRIPTION, adopt, fill_and_decide, publish

PLOT = RESULTS.with_name("mixed.png")


def writer(instance, stop, latencies: list, counts: dict) -> None:
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {instance.token('leader')}"
    i = 0
    while not stop.is_set():
        started = time.perf_counter()
        description_id = adopt(instance, session, i)
        latencies.append((time.monotonic(), time.perf_counter() - started))
        publish(instance, session, description_id, fill_and_decide(instance, session, description_id))
        counts["commands"] += COMMANDS_PER_DESCRIPTION
        i += 1


def reader(instance, stop, counts: dict) -> None:
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {instance.token('leader')}"
    while not stop.is_set():
        session.get(instance.url("roles", "/function-descriptions"), timeout=30).raise_for_status()
        counts["reads"] += 1


def lags(roles, notifications) -> tuple[int, int]:
    relay = roles.execute(
        "SELECT count(*) AS n FROM events e WHERE (e.transaction_id, e.global_position) > "
        "(coalesce((SELECT transaction_id FROM relay_checkpoints LIMIT 1), '0'::xid8), "
        " coalesce((SELECT global_position FROM relay_checkpoints LIMIT 1), 0))"
    ).fetchone()["n"]
    published = [r["event_id"] for r in roles.execute(
        "SELECT event_id FROM events WHERE event_type = 'function_description.published'").fetchall()]
    seen = notifications.execute("SELECT count(DISTINCT source_event) AS n FROM inbox_messages "
                                 "WHERE source_event = ANY(%s)",
                                 (published,)).fetchone()["n"] if published else 0
    return relay, len(published) - seen


def plot(samples: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s["t"] for s in samples]
    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
    axes[0].plot(t, [s["commands_per_s"] for s in samples], label="commands/s")
    axes[0].plot(t, [s["reads_per_s"] for s in samples], label="reads/s")
    axes[0].set_ylabel("throughput")
    axes[1].plot(t, [s["p50_ms"] for s in samples], label="adopt p50")
    axes[1].plot(t, [s["p99_ms"] for s in samples], label="adopt p99")
    axes[1].set_ylabel("latency (ms)")
    axes[2].plot(t, [s["relay_lag"] for s in samples], label="relay lag (events)")
    axes[2].plot(t, [s["consumer_lag"] for s in samples], label="consumer lag (published)")
    axes[2].set_ylabel("lag")
    axes[2].set_xlabel("seconds into the load")
    for ax in axes:
        ax.legend(loc="upper left")
        ax.grid(alpha=0.3)
    fig.suptitle("Mixed load on one instance (roles, notifications, relay)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def measure(seconds: float, writers: int, readers: int, baseline_commands: int, workdir: Path, plot_path: Path):
    import requests

    from tests.support.instance import Instance

    management("GET", "overview")
    instance = Instance(workdir=workdir).create()
    try:
        instance.start_service("roles")
        instance.start_service("notifications")
        instance.start_relay("roles")
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {instance.token('leader')}"
        alone = []
        for i in range(baseline_commands):
            started = time.perf_counter()
            session.post(instance.url("roles", "/function-descriptions"), json={"workplace": f"Alene {i}"},
                         timeout=30).raise_for_status()
            alone.append(time.perf_counter() - started)
        roles = db.connect(instance.database_url("roles"), autocommit=True)
        notifications = db.connect(instance.database_url("notifications"), autocommit=True)
        stop, latencies, counts, errors = threading.Event(), [], {"commands": 0, "reads": 0}, []

        def guarded(fn, *args):
            try:
                fn(*args)
            except Exception as exc:  # noqa: BLE001  (reported after the run)
                errors.append(repr(exc))
                stop.set()

        threads = [threading.Thread(target=guarded, args=(writer, instance, stop, latencies, counts))
                   for _ in range(writers)]
        threads += [threading.Thread(target=guarded, args=(reader, instance, stop, counts)) for _ in range(readers)]
        began = time.monotonic()
        for t in threads:
            t.start()
        samples, last = [], {"commands": 0, "reads": 0, "t": began}
        while time.monotonic() - began < seconds and not stop.is_set():
            time.sleep(1)
            now = time.monotonic()
            window = [d for at, d in latencies if at > last["t"]] or [0.0]
            relay_lag, consumer_lag = lags(roles, notifications)
            samples.append({"t": round(now - began, 1),
                            "commands_per_s": round((counts["commands"] - last["commands"]) / (now - last["t"]), 1),
                            "reads_per_s": round((counts["reads"] - last["reads"]) / (now - last["t"]), 1),
                            "p50_ms": round(percentile(window, 50) * 1000, 2),
                            "p99_ms": round(percentile(window, 99) * 1000, 2),
                            "relay_lag": relay_lag, "consumer_lag": consumer_lag})
            last = {"commands": counts["commands"], "reads": counts["reads"], "t": now}
        stop.set()
        for t in threads:
            t.join(timeout=60)
        if errors:
            raise RuntimeError(f"load failed: {errors[0]}")
        elapsed = time.monotonic() - began
        roles.close()
        notifications.close()
    finally:
        instance.destroy()
    plot(samples, plot_path)
    under_load = [d for _, d in latencies]
    return {
        "seconds": round(elapsed, 1), "writers": writers, "readers": readers,
        "baseline_adopt_alone_p50_ms": round(percentile(alone, 50) * 1000, 2),
        "adopt_under_load_p50_ms": round(percentile(under_load, 50) * 1000, 2),
        "adopt_under_load_p99_ms": round(percentile(under_load, 99) * 1000, 2),
        "ratio": round(percentile(under_load, 50) / percentile(alone, 50), 2),
        "commands_per_s": round(counts["commands"] / elapsed, 1),
        "reads_per_s": round(counts["reads"] / elapsed, 1),
        "max_relay_lag_events": max(s["relay_lag"] for s in samples) if samples else 0,
        "max_consumer_lag": max(s["consumer_lag"] for s in samples) if samples else 0,
        "plot": plot_path.name,
        "samples": samples,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--readers", type=int, default=1)
    parser.add_argument("--baseline-commands", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-mixed-") as workdir:
        figures = measure(args.seconds, args.writers, args.readers, args.baseline_commands, Path(workdir), PLOT)
    record("mixed", figures)
    return figures


if __name__ == "__main__":
    main()
