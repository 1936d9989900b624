"""`peer-admin` run as an operator would, against a throwaway instance's environment."""
from __future__ import annotations

import subprocess
import sys

from tests.support.instance import ROOT


def peer_admin(instance, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "admin.cli", *args], env=instance.env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
