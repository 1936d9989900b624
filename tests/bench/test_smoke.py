"""Every benchmark runs end to end at a tiny size, so a broken benchmark shows in CI. No timing asserts:
the figures of a run this small mean nothing; only that each bench runs and records its figures."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

TINY = {
    "relay": ["--events", "50", "--baseline-messages", "20", "--rounds", "1"],
    "projection": ["--events", "500", "--rounds", "1"],
    "memory": ["--commands", "2", "--idle-seconds", "0.5"],
    "mixed": ["--seconds", "3", "--baseline-commands", "3"],
    "library": ["--writers", "2", "--per-writer", "5", "--rounds", "1"],
}
OPTIONAL = {"mixed": "matplotlib", "library": "eventsourcing"}  # bench/requirements.txt


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(TINY))
def test_bench_runs_and_records(name, tmp_path):
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name], reason="pip install -r bench/requirements.txt")
    results = tmp_path / "results.json"
    env = {**os.environ, "BENCH_RESULTS": str(results), "PYTHONUNBUFFERED": "1"}
    run = subprocess.run([sys.executable, "-m", f"bench.{name}", *TINY[name]], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=280)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    figures = json.loads(results.read_text())[name]
    assert "ratio" in figures and "measured_at" in figures
    if name == "mixed":
        assert (tmp_path / figures["plot"]).stat().st_size > 0


def test_summary_table_lists_every_recorded_bench(tmp_path):
    """`python -m bench --table` prints a row for each recorded benchmark (from the committed figures)."""
    from bench.__main__ import rows

    recorded = json.loads((ROOT / "bench" / "results.json").read_text())
    labels = " ".join(r[0] for r in rows(recorded))
    for name, word in (("relay", "relay"), ("projection", "projection"), ("memory", "memory")):
        if name in recorded:
            assert word in labels
