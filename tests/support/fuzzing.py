"""schemathesis over a service's OpenAPI document with each role's token: the bounded run in CI
(tests/api/test_fuzzing.py) and the long one of the fault suite (tests/faults/test_long_fuzzing.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from runtime.http.auth import ROLES

SCHEMATHESIS = str(Path(sys.executable).with_name("st"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def operations_for(document: dict, role: str) -> list[str]:
    """The operations `role` may call; "public": those anyone may (fuzzed once, without a token)."""
    return [op["operationId"] for ops in document["paths"].values() for op in ops.values()
            if role in op["x-allowed-roles"]]


def fuzz(fuzzed_instance, service: str, tmp_path, examples: int, phases: str, run_timeout: float) -> None:
    """schemathesis over `service`'s document, once per role (and once without a token for the public
    operations), each role on the operations it may call; fails with every run that found something."""
    document = requests.get(fuzzed_instance.url(service, "/openapi.json"), timeout=10).json()
    failures = []
    for role in ("public", *ROLES):
        operations = operations_for(document, role)
        if not operations:
            continue
        token = [] if role == "public" else ["-H", f"Authorization: Bearer {fuzzed_instance.token(role)}"]
        command = [SCHEMATHESIS, "run", fuzzed_instance.url(service, "/openapi.json"), *token, "--checks", CHECKS,
                   "--max-examples", str(examples), "--seed", "9", "--workers", "1", "--no-shrink",
                   "--phases", phases, "--request-timeout", "10",
                   "--include-operation-id-regex", "^(" + "|".join(operations) + ")$"]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=run_timeout, cwd=tmp_path)
        except subprocess.TimeoutExpired:
            failures.append(f"{service} as {role}: schemathesis ran over {run_timeout}s")
            continue
        if run.returncode != 0:
            failures.append(f"{service} as {role}:\n{run.stdout[-4000:]}\n{run.stderr[-1000:]}")
    assert not failures, "\n\n".join(failures)
