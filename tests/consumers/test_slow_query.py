"""The psycopg/eventlet trap: psycopg's C wait blocks eventlet's hub, so one slow query would freeze
every worker of the service. With the green wait function a fast request answers meanwhile."""
import threading
import time

import pytest
import requests

from tests.support.instance import wait_until
from tests.support.slowpoke import ready, start_slowpoke


def fast_latency_during_slow_query(base_url) -> float:
    slow = threading.Thread(target=requests.get, args=(f"{base_url}/slow",), kwargs={"timeout": 30})
    slow.start()
    time.sleep(0.5)  # the slow query is running now
    started = time.monotonic()
    requests.get(f"{base_url}/ready", timeout=30).raise_for_status()
    elapsed = time.monotonic() - started
    slow.join()
    return elapsed


@pytest.mark.parametrize("guarded", [True, False], ids=["green-wait", "control-blocking-wait"])
def test_slow_query_in_one_worker_does_not_stall_another(tmp_path, guarded):
    env = {} if guarded else {"PSYCOPG_WAIT_FUNC": "wait_c", "SLOWPOKE_WITHOUT_GUARD": "1"}
    process, base_url, instance = start_slowpoke(tmp_path, **env)
    try:
        wait_until(lambda: ready(base_url), message="slowpoke ready")
        elapsed = fast_latency_during_slow_query(base_url)
        if guarded:
            assert elapsed < 1.0, f"a fast request waited {elapsed:.2f}s behind a slow query"
        else:
            assert elapsed > 1.0, "the control run should stall: the test would not detect the trap"
    finally:
        process.kill()
        instance.drop_database("slowpoke")


def test_service_refuses_to_start_with_a_blocking_wait(tmp_path):
    process, base_url, instance = start_slowpoke(tmp_path, PSYCOPG_WAIT_FUNC="wait_c")
    try:
        process.popen.wait(timeout=30)
        assert "PSYCOPG_WAIT_FUNC=wait_select" in process.log()
    finally:
        process.kill()
        instance.drop_database("slowpoke")
