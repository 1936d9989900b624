"""Resident memory (RSS) of each service of one instance, idle and under load, beside a bare nameko service.

    .venv/bin/python -m bench.memory [--commands 300] [--services roles,notifications] [--idle-seconds 5]

On a throwaway instance (tests/support/instance.py: own vhost and databases, real `nameko run` processes
and the roles relay), each process's RSS (psutil, the process and its children) is sampled every 0.1 s:
- idle: after every service answered its health check and `--idle-seconds` passed;
- under load: the peak while `--commands` function descriptions are adopted, filled, decided and published
  over HTTP (each publish also reaches notifications through the relay).
- Baseline (same run): the bare `bench/ping_service.py` started with `nameko run` like every service.

Target: ≤ 150 MB per process, idle and under load.
"""
from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from bench.common import management, record
from bench.workload import COMMANDS_PER_DESCRIPTION, description_through_its_life
import psutil  # noqa: E402,I001  (bench.common first: it imports runtime, which must precede psycopg)


LIMIT_MB = 150.0


def rss_mb(pid: int) -> float:
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


class Sampler:
    """The peak RSS of each named process while running."""

    def __init__(self, pids: dict[str, int]):
        self.pids, self.peak, self.stopping = pids, {n: 0.0 for n in pids}, False
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stopping:
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_mb(pid))
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping = True
        self.thread.join()


def load(instance, commands: int) -> float:
    """Function descriptions through their life over HTTP; returns commands per second."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {instance.token('leader')}"
    started = time.perf_counter()
    for i in range(commands):
        description_through_its_life(instance, session, i)
    return commands * COMMANDS_PER_DESCRIPTION / (time.perf_counter() - started)


def measure(commands: int, services: tuple[str, ...], idle_seconds: float, workdir: Path) -> dict:
    from tests.support.instance import NAMEKO, Instance, Process

    management("GET", "overview")
    instance = Instance(workdir=workdir, services=services).create()
    try:
        for service in services:
            instance.start_service(service)
        instance.start_relay("roles")
        ping = Process("bench_ping", [NAMEKO, "run", "--config", "deploy/nameko.yaml", "bench.ping_service"],
                       instance.env(), instance.logdir / "bench_ping.log").start()
        instance.processes["bench_ping"] = ping
        time.sleep(idle_seconds)
        pids = {name: p.popen.pid for name, p in instance.processes.items()}
        idle = {name: round(rss_mb(pid), 1) for name, pid in pids.items()}
        with Sampler(pids) as sampler:
            rate = load(instance, commands)
        loaded = {name: round(mb, 1) for name, mb in sampler.peak.items()}
    finally:
        instance.destroy()
    measured = [n for n in idle if n != "bench_ping"]
    worst = max(max(idle[n], loaded[n]) for n in measured)
    return {
        "services": list(measured),
        "commands": commands * 4,
        "load_commands_per_s": round(rate, 1),
        "baseline_bare_nameko_idle_mb": idle["bench_ping"],
        "idle_rss_mb": {n: idle[n] for n in measured},
        "load_peak_rss_mb": {n: loaded[n] for n in measured},
        "worst_rss_mb": worst,
        "ratio": round(worst / idle["bench_ping"], 2),
        "target_mb": LIMIT_MB,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=300, help="function descriptions taken through their life")
    parser.add_argument("--services", default="roles,notifications")
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as workdir:
        figures = measure(args.commands, tuple(s.strip() for s in args.services.split(",") if s.strip()),
                          args.idle_seconds, Path(workdir))
    record("memory", figures)
    return figures


if __name__ == "__main__":
    main()
