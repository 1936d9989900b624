"""Fault-injection fixtures: a rig of private parts (RabbitMQ node, PostgreSQL cluster, TCP proxies) for the
whole session, instances on it, and the suite's summary table at the end.

Nothing here touches the machine's shared RabbitMQ (5672) or PostgreSQL (5432): the session checks that the
shared node's uptime only grew, and says so in the summary."""
import json
import os

import pytest

from tests.faults import harness
from tests.faults.harness import CountingInstance, Rig
from tests.support import private_postgres
from tests.support.broker import shared_node_uptime


@pytest.fixture(scope="session")
def rig():
    if not private_postgres.available():
        pytest.skip("PostgreSQL server binaries not installed")
    before = shared_node_uptime()
    started = Rig.start()
    yield started
    started.stop()
    after = shared_node_uptime()
    harness.SHARED_BROKER.update(before_ms=before, after_ms=after,
                                 untouched=None if before is None or after is None else after > before)


@pytest.fixture
def counting_instance(tmp_path, rig):
    created = CountingInstance(workdir=tmp_path, rig=rig).create()
    yield created
    created.destroy()


def pytest_terminal_summary(terminalreporter):
    rows = harness.SUMMARY
    if not rows:
        return
    write = terminalreporter.write_line
    write("")
    write(f"fault suite summary (FAULT_EVENTS={harness.EVENTS}, FAULT_REPEATS={harness.REPEATS})")
    for line in harness.summary_table(rows):
        write(line)
    if harness.SHARED_BROKER:
        write(f"shared RabbitMQ on 5672: uptime {harness.SHARED_BROKER.get('before_ms')} ms before, "
              f"{harness.SHARED_BROKER.get('after_ms')} ms after (not restarted: {harness.SHARED_BROKER.get('untouched')})")
    path = os.environ.get("FAULT_SUMMARY")
    if path:
        with open(path, "w") as out:
            json.dump({"events": harness.EVENTS, "repeats": harness.REPEATS, "scenarios": rows,
                       "shared_broker": harness.SHARED_BROKER}, out, indent=2)
