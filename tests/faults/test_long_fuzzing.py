"""The long schemathesis run (issue 15 item 6): thousands of examples per operation, every phase including the
stateful one (links schemathesis infers from the response schemas, path parameters and Location headers, so
a created resource is read, changed and deleted by the operations that take its id), with each role's
token, against the four services of one instance on the fault suite's private broker and database.

CI runs the bounded version (tests/api/test_fuzzing.py: 5 examples per operation, no stateful phase). This one
runs only when FUZZ_EXAMPLES is set, e.g. by `bash deploy/faults.sh --long` (2,000 per operation).
"""
import os

import pytest

from tests.support.fuzzing import fuzz
from tests.support.instance import Instance

pytestmark = pytest.mark.fault

SERVICES = ("roles", "courses", "network", "notifications")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 0)
PHASES = "examples,coverage,fuzzing,stateful"
RUN_TIMEOUT = float(os.environ.get("FUZZ_RUN_TIMEOUT") or 3600)  # per (service, role)


@pytest.fixture(scope="module")
def long_fuzzed_instance(rig, tmp_path_factory):
    if not EXAMPLES:
        pytest.skip("the long schemathesis run: set FUZZ_EXAMPLES (bash deploy/faults.sh --long)")
    instance = Instance(services=SERVICES, workdir=tmp_path_factory.mktemp("long-fuzzing"), broker=rig.broker)
    instance.pg_url = rig.postgres.server_url
    instance.create()
    try:
        for service in SERVICES:
            instance.start_service(service)
            instance.start_relay(service)
        yield instance
    finally:
        instance.destroy()


@pytest.mark.parametrize("service", SERVICES)
def test_long_fuzzing_finds_no_server_error_and_no_undocumented_answer(long_fuzzed_instance, service, tmp_path):
    fuzz(long_fuzzed_instance, service, tmp_path, EXAMPLES, PHASES, RUN_TIMEOUT)
