"""The runtime's import graph, read from every module's own imports (`ast`, so an import hidden inside a
function counts too): no circle, no import of the product's composition or services, and each layer of
`runtime.LAYERS` importing only its own layer and those below it. Contracts import nothing of the runtime."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import runtime

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_FROM_RUNTIME = ("services", "admin", "demo", "tests", "bench", "examples")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in it, resolved to dotted names (relative imports included)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import module`
    return found


def graph(top: str) -> dict[str, set[str]]:
    modules = {module_name(p): p for p in (ROOT / top).rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules} for name, path in modules.items()}, modules


def layer_of(module: str) -> int:
    best, index = -1, None
    for i, (_, prefixes) in enumerate(runtime.LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, index = len(prefix), i
    return index


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), or a module importing itself."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def package_edges(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph between runtime's packages (a base module counts as its own package)."""
    def package(m):
        parts = m.split(".")
        return ".".join(parts[:2])
    result: dict[str, set[str]] = {}
    for source, targets in edges.items():
        result.setdefault(package(source), set()).update(package(t) for t in targets if package(t) != package(source))
    for targets in list(result.values()):
        for t in targets:
            result.setdefault(t, set())
    return result


def test_every_runtime_module_has_a_layer():
    edges, _ = graph("runtime")
    assert [m for m in edges if layer_of(m) is None] == []


def test_the_runtime_imports_no_circle_between_modules_or_packages():
    edges, _ = graph("runtime")
    edges = {m: {t for t in targets if t != "runtime"} for m, targets in edges.items()}  # the package root pins env only
    assert cycles(edges) == []
    assert cycles(package_edges(edges)) == []


def test_each_layer_imports_only_itself_and_the_layers_below():
    edges, _ = graph("runtime")
    upward = [f"{source} ({runtime.LAYERS[layer_of(source)][0]}) imports {target} ({runtime.LAYERS[layer_of(target)][0]})"
              for source, targets in edges.items() for target in targets if layer_of(target) > layer_of(source)]
    assert upward == []


@pytest.mark.parametrize("top", ["runtime", "contracts"])
def test_the_runtime_and_the_contracts_import_no_service_nor_the_composition(top):
    forbidden = FORBIDDEN_FROM_RUNTIME + (("runtime",) if top == "contracts" else ())
    offending = sorted(f"{module_name(path)} imports {m}" for path in (ROOT / top).rglob("*.py")
                       for m in imports_of(path) if m.split(".")[0] in forbidden)
    assert offending == []
