#!/usr/bin/env bash
# The fault suite alone (tests/faults, marker `fault`), on private parts only: its own RabbitMQ node, its own
# PostgreSQL cluster and its own TCP proxies (tests/faults/conftest.py). It never restarts the shared broker
# or database, so it may run beside other tests. Prints the summary table at the end.
#   bash deploy/faults.sh                 # short version (CI): FAULT_REPEATS=3 over FAULT_EVENTS=3000 per scenario
#   bash deploy/faults.sh --long          # issue 15's size: 20 repeats over 100,000 events per scenario,
#                                         # plus the long schemathesis run (FUZZ_EXAMPLES=2000 per operation)
#   FAULT_REPEATS=10 FAULT_EVENTS=20000 bash deploy/faults.sh -k network     # any size; pytest options pass through
# FAULT_SUMMARY=path.json writes the summary as JSON too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${1:-}" == "--long" ]]; then
    shift
    export FAULT_REPEATS="${FAULT_REPEATS:-20}" FAULT_EVENTS="${FAULT_EVENTS:-100000}" FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-2000}"
fi
bash deploy/bootstrap.sh >/dev/null
export PYTHONUNBUFFERED=1
echo "[faults] FAULT_REPEATS=${FAULT_REPEATS:-3} FAULT_EVENTS=${FAULT_EVENTS:-3000} FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-0}"
exec .venv/bin/python -m pytest tests/faults -m fault -p no:randomly "$@"
