"""The shape of the code, kept by tests: the public surface is exact, no module imports its way
back into itself, every import points down the layers (the folders of ``src/panes``), the
cache is a leaf and the core does no I/O.

Imports are read from the source (``ast``), lazy ones inside functions included; those under
``if TYPE_CHECKING:`` are not imports at run time and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import panes

SRC = Path(panes.__file__).resolve().parent

# The layers, lowest first: a module imports from its own layer and those below it, never from
# one above. The public faces at the top (``panes``, ``panes.testing``, and the documented
# ``panes.cli``, ``panes.compress``, ``panes.limits``) may import anything.
LAYERS = ("core", "cache", "appdir", "render", "http", "tools")
FACES = frozenset({"", "__main__", "testing", "cli", "compress", "limits"})


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


def layer_of(name: str) -> int:
    return len(LAYERS) if name in FACES else LAYERS.index(name.split(".")[0])


def test_every_module_is_in_a_layer_or_a_public_face():
    stray = sorted(n for n in MODULES if n not in FACES and n.split(".")[0] not in LAYERS)
    assert not stray, f"{stray}: put each in one of the folders {LAYERS}"


def test_every_import_points_down_the_layers():
    upward = sorted(f"{name} imports {dep}" for name in GRAPH for dep in GRAPH[name]
                    if layer_of(dep) > layer_of(name))
    assert not upward, upward


def test_the_cache_is_a_leaf():
    reaching_out = sorted(f"{name} imports {dep}" for name in GRAPH if name.startswith("cache")
                          for dep in GRAPH[name] if not dep.startswith("cache"))
    assert not reaching_out, reaching_out


def test_the_core_does_no_io():
    """The core reads no file, opens no socket and awaits nothing: pure functions of values."""
    io = {"os", "io", "asyncio", "socket", "pathlib", "starlette", "subprocess", "importlib"}
    found = {}
    for name, path in MODULES.items():
        if layer_of(name) == 0:
            tree = ast.parse(path.read_text())
            used = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                    for a in n.names}
            used |= {(n.module or "").split(".")[0] for n in ast.walk(tree)
                     if isinstance(n, ast.ImportFrom) and not n.level}
            if used & io:
                found[name] = sorted(used & io)
    assert not found, found


def test_the_cores_all_lists_are_sorted_and_exact():
    """A core module that declares ``__all__`` lists, sorted, every class and function it
    defines in public and nothing it does not have (what it passes on from a module beside it,
    for the modules that import it from there, included)."""
    import importlib
    import inspect

    wrong = {}
    for name in sorted(n for n in MODULES if n.startswith("core")):
        module = importlib.import_module(f"panes.{name}")
        listed = getattr(module, "__all__", None)
        if listed is None:
            continue
        own = {k for k, v in vars(module).items() if not k.startswith("_")
               and (inspect.isclass(v) or inspect.isfunction(v)) and v.__module__ == module.__name__}
        if listed != sorted(listed) or own - set(listed) or set(listed) - set(vars(module)):
            wrong[name] = (sorted(own - set(listed)), sorted(set(listed) - set(vars(module))))
    assert not wrong, wrong
