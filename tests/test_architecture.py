"""The shape of the code, kept by tests: the public surface is exact, no module imports its way
back into itself, and the pure core never reaches into the shells around it.

Imports are read from the source (``ast``), lazy ones inside functions included; those under
``if TYPE_CHECKING:`` are not imports at run time and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import panes

SRC = Path(panes.__file__).resolve().parent

# The core: reading and matching the app directory, the navigation state and its wire form,
# metadata. Pure functions and frozen records: no user code runs here and no request exists.
CORE = frozenset({
    "errors", "segments", "kinds", "tree", "scan", "plan", "routes", "intercept", "match",
    "state", "resolve", "diff", "protocol", "kept",
    "metadata", "metadata.checks", "metadata.evaluate", "metadata.merge", "metadata.records",
    "metadata.tags",
})


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SRC.rglob("*.py")}


def imports(name: str) -> set[str]:
    """The panes modules that ``name`` imports at run time."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    typing_only = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(block.test) for node in ast.walk(block)}
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    if name == "":
        package = []
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1] + (node.module or "").split(".")
                base_name = ".".join(p for p in base if p)
            elif (node.module or "").split(".")[0] == "panes":
                base_name = node.module.removeprefix("panes").lstrip(".")  # type: ignore[union-attr]
            else:
                continue
            for alias in node.names:
                child = f"{base_name}.{alias.name}".strip(".")
                found.add(child if child in MODULES else base_name)
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("panes.") for a in node.names
                      if a.name.startswith("panes.")}
    found.discard(name)
    return found


GRAPH = {name: imports(name) for name in MODULES}


def test_public_names_are_exactly_the_sorted_all():
    exported = {name for name in vars(panes) if not name.startswith("_")
                and not isinstance(getattr(panes, name), type(panes))}  # modules are not names
    assert panes.__all__ == sorted(panes.__all__)
    assert set(panes.__all__) == exported


def test_no_module_imports_its_way_back_to_itself():
    def cycle_from(start: str) -> list[str] | None:
        path, todo = [start], [iter(sorted(GRAPH[start]))]
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                todo.pop()
                path.pop()
            elif nxt == start:
                return [*path, start]
            elif nxt not in path and nxt in GRAPH:
                path.append(nxt)
                todo.append(iter(sorted(GRAPH[nxt])))
        return None

    cycles = [c for c in map(cycle_from, sorted(GRAPH)) if c]
    assert not cycles, " → ".join(cycles[0])


def test_the_core_never_imports_the_shells():
    reaching_out = {name: sorted(GRAPH[name] - CORE) for name in CORE if GRAPH[name] - CORE}
    assert not reaching_out, reaching_out


def test_every_core_module_exists():
    assert set(MODULES) >= CORE  # a renamed module is renamed here too
