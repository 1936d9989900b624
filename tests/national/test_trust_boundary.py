"""The national service's trust boundary, checked structurally: it must never hold personal data, so it
has no vault, no person keys and no personal field in what it stores or answers. (Its database holding no
sealed value and no region's personal value is checked on real data in test_aggregation_e2e.py.)"""
import ast
import inspect
import subprocess
import sys
from pathlib import Path

from marshmallow import Schema

import contracts
from services.national import facts, schemas

PACKAGE = Path(__file__).resolve().parents[2] / "services" / "national"


def test_it_counts_only_national_contracts_and_they_declare_no_personal_field():
    national = {c.type: c for c in contracts.all_contracts() if c.national}
    assert facts.counted_types() <= set(national), "a counted fact that may not leave its instance"
    for c in contracts.all_contracts():
        if c.type in facts.counted_types():
            assert contracts.personal_fields(c.schema) == [] and contracts.national_violations(c.schema) == []


def test_its_answers_declare_no_personal_field():
    for _, schema in inspect.getmembers(schemas, lambda m: inspect.isclass(m) and issubclass(m, Schema)):
        if schema.__module__ == schemas.__name__:
            assert contracts.personal_fields(schema) == [], schema.__name__


VAULT = ("runtime.privacy.vault", "runtime.privacy.keystore", "runtime.privacy.sealing", "runtime.privacy.erasure")


def test_it_imports_nothing_of_the_vault():
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom) else [])
            assert not any("vault" in n or n.startswith(VAULT) for n in names), f"{path.name} imports {names}"
    loaded = subprocess.run([sys.executable, "-c", "import runtime, services.national.service, sys; "
                             f"print(sorted(m for m in sys.modules if 'vault' in m or m.startswith({VAULT!r})))"],
                            capture_output=True, text=True, check=True, cwd=PACKAGE.parents[1]).stdout.strip()
    assert loaded == "[]", f"the national service loads {loaded}"


def test_it_runs_only_at_the_national_instance():
    from admin.services import services_of

    assert "national" in services_of("national")
    assert "national" not in services_of("region-1084") and "national" not in services_of("kommune-0101")


def test_a_fact_is_stored_only_in_a_stream_of_its_senders_own_pseudonym():
    """Guards N11: a region (whose uplink user may write national.inbound) cannot add to another region's
    streams by naming them; the refused fact is retried and then dead-lettered, not stored."""
    import pytest

    from services.national.service import ForeignStream, received_stream

    own = {"stream": f"peer_education-region-1084:p2:{'a' * 26}", "instance_id": "region-1084"}
    assert received_stream(own) == own["stream"]
    with pytest.raises(ForeignStream):
        received_stream({**own, "instance_id": "region-1085"})


# Columns that would hold a person or text about one: none of the national tables may have them.
PERSONAL_COLUMNS = {"name", "email", "phone", "cpr", "address", "postcode", "city", "note", "text", "evaluation",
                    "feedback", "person_id", "peer_id", "citizen_id", "participant_id", "volunteer_id",
                    "coordinator_id", "workplace", "pseudonym", "details"}


def national_tables() -> dict[str, set[str]]:
    """Every table the national migrations create, with its columns (one table per file)."""
    import re

    tables = {}
    for path in sorted((PACKAGE / "migrations").glob("*.sql")):
        for table, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\);", path.read_text(), re.S):
            tables[table] = {line.split()[0] for line in body.strip().splitlines()
                             if line.strip() and not line.strip().startswith(("PRIMARY", "UNIQUE", "CHECK", "--"))}
    return tables


def test_its_tables_have_no_column_for_a_person():
    tables = national_tables()
    assert {"picture_cells", "latest_reports", "competence_cells"} <= set(tables)
    for table, columns in tables.items():
        assert not columns & PERSONAL_COLUMNS, (table, columns & PERSONAL_COLUMNS)
    assert tables["latest_reports"] == {"stream_name", "event_type", "report_key", "stream_version", "increments"}


def test_the_report_that_counts_keeps_counts_only():
    """`latest_reports.increments` is what the report added to the picture: (measure, month, count) triples."""
    from datetime import date

    from services.national.facts import MEASURES, counted
    from runtime.eventstore import RecordedEvent
    import uuid

    report = RecordedEvent(uuid.uuid4(), "agreement_term.reported", 1, "agreement_term-region-1084:p2:x", 0, 1, 1,
                           None, {"instance_id": "region-1084"}, {"active_from": "2026-01-05",
                                                                  "active_until": "2026-02-05"})
    assert counted(report) == [("volunteer_agreements_active", date(2026, 1, 1), 1),
                               ("volunteer_agreements_active", date(2026, 2, 1), 1)]
    assert all(m in MEASURES and isinstance(a, int) for m, _, a in counted(report))
