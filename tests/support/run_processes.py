"""The processes of one `deploy/up.sh` run, found by the marker its runner puts in their environment."""
from __future__ import annotations

from pathlib import Path


def run_processes(run_id: str) -> list[int]:
    """Every live process carrying the run's marker (what deploy/down.sh looks for)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"PEER_RUN_ID={run_id}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids
