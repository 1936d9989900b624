"""Runs the curl commands a command printed, exactly as printed, and checks they show the demo data."""
from __future__ import annotations

import subprocess


def assert_printed_curls_show_the_demo(output: str, expected: int = 3) -> None:
    commands = [line for line in output.splitlines() if line.startswith("curl ")]
    assert len(commands) == expected, output[-3000:]
    for command in commands:
        answered = subprocess.run(command + " -w '\\n%{http_code}'", shell=True, capture_output=True, text=True,
                                  timeout=30)
        body, status = answered.stdout.rsplit("\n", 1)
        assert status == "200" and "(demo)" in body, (command, answered.stdout[-500:])
