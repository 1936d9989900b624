"""Fault-injection fixtures: an instance with the roles relay and the test-only `counter` consumer."""
import pytest

from tests.faults.harness import CountingInstance


@pytest.fixture
def counting_instance(tmp_path):
    created = CountingInstance(workdir=tmp_path).create()
    yield created
    created.destroy()
