"""Control of the local RabbitMQ node for fault-injection tests: stop it, start it, wait until it serves.

Readiness is `rabbitmq-diagnostics check_running` plus `check_port_connectivity`: `ping` answers as
soon as the Erlang node is up, long before the AMQP listener accepts connections.

A restart affects every client of the node, so tests that use this are marked `fault` and should
not run alongside other broker tests (`bash deploy/test.sh -m "not fault"` leaves them out).
"""
from __future__ import annotations

import shutil
import subprocess
import time

RABBITMQCTL = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
DIAGNOSTICS = shutil.which("rabbitmq-diagnostics") or "/usr/sbin/rabbitmq-diagnostics"


class BrokerError(RuntimeError):
    pass


def _run(*command: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise BrokerError(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def is_ready() -> bool:
    """The RabbitMQ application runs and every listener (AMQP, management) accepts connections."""
    try:
        for check in ("check_running", "check_port_connectivity"):
            if _run(DIAGNOSTICS, "-q", check, timeout=30, check=False).returncode != 0:
                return False
    except subprocess.TimeoutExpired:
        return False
    return True


def wait_ready(timeout: float = 90, interval: float = 0.5) -> float:
    """Wait until the broker serves again; returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if is_ready():
            return time.monotonic() - started
        time.sleep(interval)
    raise BrokerError(f"RabbitMQ not ready after {timeout}s")


def stop_app() -> None:
    """Stop the RabbitMQ application (every connection drops); the Erlang node stays up."""
    _run(RABBITMQCTL, "-q", "stop_app", timeout=120)


def start_app() -> None:
    _run(RABBITMQCTL, "-q", "start_app", timeout=120)


def restart_app(down_for: float = 2.0, timeout: float = 90) -> dict:
    """stop_app, stay down `down_for` seconds, start_app, wait for readiness; returns the timings."""
    started = time.monotonic()
    stop_app()
    stopped = time.monotonic()
    time.sleep(down_for)
    start_app()
    waited = wait_ready(timeout)
    return {"stop_s": round(stopped - started, 1), "down_s": round(time.monotonic() - stopped, 1),
            "ready_wait_s": round(waited, 1)}


def memory_watermark() -> str:
    """The memory high watermark as `rabbitmqctl set_vm_memory_high_watermark` takes it."""
    value = _run(RABBITMQCTL, "-q", "eval", "vm_memory_monitor:get_vm_memory_high_watermark().").stdout.strip()
    if value.startswith("{absolute,"):
        return "absolute " + value[len("{absolute,"):].rstrip("}").strip()
    return value


def block_publishers() -> str:
    """Raise the memory alarm (watermark 0): the broker stops reading from every publishing
    connection, so publishes sit unconfirmed. Returns the watermark to restore."""
    previous = memory_watermark()
    _run(RABBITMQCTL, "-q", "set_vm_memory_high_watermark", "0")
    return previous


def unblock_publishers(previous: str = "0.4") -> None:
    _run(RABBITMQCTL, "-q", "set_vm_memory_high_watermark", *previous.split())


def publishers_blocked() -> bool:
    return memory_watermark() in ("0", "0.0")
