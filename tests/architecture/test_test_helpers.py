"""Test modules share helpers through `tests/support/` (one module per job), never by importing another
test module: a `test_*.py` or `conftest.py` imported elsewhere runs its fixtures and tests twice in
people's heads, and a move of one test breaks another. Read from every test module's own imports (`ast`)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Imports still to move into tests/support/ (issue 10); this list only shrinks.
NOT_YET_MOVED = {
    ("tests/consumers/test_graceful_shutdown.py", "tests.consumers.test_slow_query"),
    ("tests/national/test_national_events_e2e.py", "tests.national.test_aggregation_e2e"),
    ("tests/national/test_national_events_e2e.py", "tests.network.conftest"),
    ("tests/national/test_competence_e2e.py", "tests.courses.conftest"),
    ("tests/notifications/test_delivery_rules.py", "tests.notifications.conftest"),
    ("tests/notifications/test_delivery_rules.py", "tests.notifications.test_rules"),
    ("tests/notifications/test_e2e_national.py", "tests.network.conftest"),
    ("tests/notifications/test_rules.py", "tests.notifications.conftest"),
    ("tests/notifications/test_e2e_network.py", "tests.notifications.test_rules"),
    ("tests/notifications/test_network_rules.py", "tests.notifications.conftest"),
    ("tests/notifications/test_network_rules.py", "tests.notifications.test_rules"),
    ("tests/network/test_e2e_api.py", "tests.network.conftest"),
    ("tests/network/test_e2e_sparring.py", "tests.network.conftest"),
    ("tests/courses/test_concurrent_signups.py", "tests.courses.conftest"),
    ("tests/courses/test_e2e_personal_data.py", "tests.courses.conftest"),
    ("tests/courses/test_e2e_personal_data.py", "tests.courses.test_e2e_seed_001"),
    ("tests/courses/test_e2e_api.py", "tests.courses.conftest"),
    ("tests/courses/test_e2e_api.py", "tests.courses.test_e2e_seed_001"),
    ("tests/courses/test_e2e_seed_001.py", "tests.courses.conftest"),
    ("tests/courses/test_erased_citizen.py", "tests.courses.conftest"),
    ("tests/e2e/test_blocked_streams.py", "tests.e2e.test_catchup"),
    ("tests/e2e/test_blocked_streams.py", "tests.e2e.test_delivery"),
    ("tests/e2e/test_rebuild_notifications.py", "tests.e2e.test_catchup"),
    ("tests/e2e/test_database_outage.py", "tests.e2e.test_delivery"),
}


def is_test_module(name: str) -> bool:
    last = name.rpartition(".")[2]
    return last.startswith("test_") or last == "conftest"


def imported_test_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
                 if isinstance(node, ast.ImportFrom) and not node.level else [])
        found |= {n for n in names if n.startswith("tests.") and is_test_module(n)
                  and (ROOT / Path(*n.split("."))).with_suffix(".py").exists()}
    return found


def violations() -> set[tuple[str, str]]:
    return {(str(path.relative_to(ROOT)), module) for path in sorted((ROOT / "tests").rglob("*.py"))
            for module in imported_test_modules(path)}


def test_no_test_module_imports_another_test_module_or_a_conftest():
    new = violations() - NOT_YET_MOVED
    assert not new, "move the shared helper into tests/support/ (one module per job): " + ", ".join(
        f"{path} imports {module}" for path, module in sorted(new))


def test_the_list_of_imports_not_yet_moved_only_shrinks():
    assert not NOT_YET_MOVED - violations(), f"moved already, drop from NOT_YET_MOVED: {NOT_YET_MOVED - violations()}"


def test_the_check_sees_such_an_import(tmp_path):
    probe = ROOT / "tests" / "architecture" / "test_layers.py"
    assert imported_test_modules(probe) == set()
    fake = tmp_path / "probe.py"
    fake.write_text("from tests.architecture.test_layers import imports_of\nimport tests.e2e.conftest\n")
    assert imported_test_modules(fake) == {"tests.architecture.test_layers"} | (
        {"tests.e2e.conftest"} if (ROOT / "tests/e2e/conftest.py").exists() else set())
