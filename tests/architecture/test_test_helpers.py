"""Test modules share helpers through `tests/support/` (one module per job), never by importing another
test module: a `test_*.py` or `conftest.py` imported elsewhere runs its fixtures and tests twice in
people's heads, and a move of one test breaks another. Read from every test module's own imports (`ast`)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

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
    found = violations()
    assert not found, "move the shared helper into tests/support/ (one module per job): " + ", ".join(
        f"{path} imports {module}" for path, module in sorted(found))


def test_the_check_sees_such_an_import(tmp_path):
    probe = ROOT / "tests" / "architecture" / "test_layers.py"
    assert imported_test_modules(probe) == set()
    fake = tmp_path / "probe.py"
    fake.write_text("from tests.architecture.test_layers import imports_of\nimport tests.e2e.conftest\n")
    assert imported_test_modules(fake) == {"tests.architecture.test_layers"} | (
        {"tests.e2e.conftest"} if (ROOT / "tests/e2e/conftest.py").exists() else set())
