"""Imports the user's files by path and checks what each function asks for.

Every file defines one function named like the file; its arguments are given by name, and a
function declares only those it uses. An argument panes does not know is a :class:`Problem`
reported before any request is served.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import re
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from panes.appdir.signatures import declared
from panes.appdir.specials import LifespanFactory, load_lifespan, load_middleware, load_route
from panes.core.errors import Problem
from panes.core.kinds import FILE_KINDS, METADATA_KINDS, kind_of
from panes.core.metadata import validate, validate_viewport
from panes.core.tree import CHILDREN, Node


def function_key(file: str, name: str) -> str:
    """Where a file's extra function (a page's ``action``) is kept among the functions."""
    return f"{file}:{name}"


def slot_argument(key: str) -> str:
    """The keyword a layout declares for slot ``@key``: ``-`` becomes ``_``."""
    return key.replace("-", "_")


@dataclass(frozen=True, eq=False, slots=True)
class UserFunction:
    """A user's ``page``/``layout``/… function and the argument names it declared."""

    file: str
    func: Callable[..., Any]
    wants: frozenset[str]
    takes_all: bool = False  # it declared **kwargs
    constants: Mapping[str, Any] = field(default_factory=dict)  # as its kind lists them
    value: bool = False  # a value the module holds (a metadata dict): calling it runs no code
    is_async: bool = field(init=False, repr=False)  # async def: calling it may wait
    #: it declared ``cookies`` or ``state`` (or ``**kwargs``): those are made for it per call
    per_call: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_async", inspect.iscoroutinefunction(self.func))
        object.__setattr__(self, "per_call", self.takes_all or bool(
            self.wants & {"cookies", "state"}))

    def constant(self, name: str) -> Any:
        return self.constants[name]

    def kwargs(self, available: Mapping[str, Any]) -> dict[str, Any]:
        if self.takes_all:
            return dict(available)
        return {name: available[name] for name in self.wants if name in available}

    def __repr__(self) -> str:
        return f"UserFunction({self.file!r})"


@dataclass(frozen=True, slots=True)
class Loaded:
    functions: Mapping[str, UserFunction]  # by file path relative to the app directory
    problems: tuple[Problem, ...]
    declared_slots: Mapping[str, frozenset[str]]  # layout file -> the slots it declares
    #: route.py files: their method functions, and whether other sites may write (CROSS_ORIGIN)
    handlers: Mapping[str, tuple[Mapping[str, Callable[..., Any]], bool]] = field(
        default_factory=dict)
    middleware: Callable[..., Any] | None = None  # middleware() of the root middleware.py
    lifespan: LifespanFactory | None = None  # lifespan() of the root lifespan.py


def load(app_dir: Path, root: Node) -> Loaded:
    """Import every special file of the tree and check each function's signature.

    The folder that holds the app directory goes on ``sys.path`` first, so that user code
    imports shared helpers as modules (``app/_ui/card.py`` is ``app._ui.card``).
    """
    parent = str(app_dir.resolve().parent)
    if parent not in sys.path:
        sys.path.insert(0, parent)
    found = _Found()
    for node in root.walk():
        for kind, rel in node.files.items():
            module = _imported(app_dir, rel, found.problems)
            if module is None:
                continue
            if kind == "route":  # method functions instead of one named like the file
                _load_route(module, rel, found)
            elif kind in _APP_LEVEL:  # middleware.py, lifespan.py: run around every request
                value, app_problems = _APP_LEVEL[kind](module, rel)
                found.problems.extend(app_problems)
                found.app_level[kind] = value
            else:
                _load_file(module, kind, rel, node, found)
    return found.loaded()


@dataclass
class _Found:
    """What :func:`load` gathers file by file, frozen into :class:`Loaded` at the end."""

    functions: dict[str, UserFunction] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    slots_of: dict[str, frozenset[str]] = field(default_factory=dict)
    handlers: dict[str, tuple[Mapping[str, Callable[..., Any]], bool]] = field(
        default_factory=dict)
    app_level: dict[str, Any] = field(default_factory=dict)

    def loaded(self) -> Loaded:
        return Loaded(self.functions, tuple(self.problems), self.slots_of, self.handlers,
                      self.app_level.get("middleware"), self.app_level.get("lifespan"))


def _imported(app_dir: Path, rel: str, problems: list[Problem]) -> ModuleType | None:
    """The file imported, or ``None`` with the error it raised reported: one broken file does
    not hide the problems of the others."""
    try:
        return import_file(app_dir, rel)
    except Exception as exc:  # noqa: BLE001 - any error in user code is a problem to report
        problems.append(Problem(rel, f"importing it raised {_one_line(exc)}",
                                "fix the error shown (run `panes dev` for the traceback)",
                                cause=exc))
        return None


def _load_route(module: ModuleType, rel: str, found: _Found) -> None:
    """A ``route.py``: its method functions, and whether other sites may write to it."""
    handlers, route_problems = load_route(module, rel)
    found.problems.extend(route_problems)
    try:
        cross_origin = bool(_constants(module, "route")["CROSS_ORIGIN"])
    except (TypeError, ValueError) as exc:
        found.problems.append(Problem(rel, str(exc), "write CROSS_ORIGIN = True (other "
                                      "sites may send writes with cookies) or False"))
        return
    if handlers is not None:
        found.handlers[rel] = (handlers, cross_origin)


def _load_file(module: ModuleType, kind: str, rel: str, node: Node, found: _Found) -> None:
    """A file with one function named like it (a page, a layout, a boundary …), its constants,
    its extra functions (a page's ``action``), its head functions and the slots it places."""
    allowed = FILE_KINDS[kind].arguments
    slot_names: dict[str, str] = {}
    if FILE_KINDS[kind].slots:
        slot_names = {slot_argument(k): k for k in node.slots}
        allowed = allowed | slot_names.keys()
    fn = _function(module, kind, rel, allowed, slot_names, found.problems)
    if fn is None:
        return
    try:
        fn = replace(fn, constants=_constants(module, kind))
    except (TypeError, ValueError) as exc:
        found.problems.append(Problem(rel, str(exc), "see docs/caching.md"))
        return
    found.problems.extend(_misspelled(module, rel, FILE_KINDS[kind].extra))
    for extra in FILE_KINDS[kind].extra:
        if callable(getattr(module, extra, None)):
            more = _function(module, extra, rel, kind_of(extra).arguments, {}, found.problems)
            if more is not None:
                found.functions[function_key(rel, extra)] = more
    found.functions[rel] = fn
    if kind in METADATA_KINDS:
        args = FILE_KINDS[kind].arguments - {CHILDREN}
        for name in ("metadata", "viewport"):
            meta = _metadata(module, name, rel, args, found.problems)
            if meta is not None:
                found.functions[function_key(rel, name)] = meta
    if FILE_KINDS[kind].slots:
        found.slots_of[rel] = _slots_placed(fn, node, slot_names)


def _slots_placed(fn: UserFunction, node: Node, slot_names: Mapping[str, str]) -> frozenset[str]:
    """The slots a layout places: those it declares as arguments (all for ``**kwargs``)."""
    wanted = set(node.slots) if fn.takes_all else {
        slot_names[a] for a in fn.wants if a in slot_names}
    if fn.takes_all or CHILDREN in fn.wants:
        wanted.add(CHILDREN)
    return frozenset(wanted)


_APP_LEVEL: Mapping[str, Callable[[ModuleType, str], tuple[Any, list[Problem]]]] = {
    "middleware": load_middleware,
    "lifespan": load_lifespan,
}


def _metadata(module: ModuleType, name: str, rel: str, allowed: frozenset[str],
              problems: list[Problem]) -> UserFunction | None:
    """A file's ``metadata``/``viewport``: a function (checked like the file's own, called at
    render) or a dict (checked here, so that ``panes check`` reports a wrong value)."""
    value = getattr(module, name, None)
    if value is None:
        return None
    if callable(value):
        return _function(module, name, rel, allowed, {}, problems)
    found = (validate if name == "metadata" else validate_viewport)(value, rel)
    problems.extend(found)
    if any(p.severity == "error" for p in found):
        return None
    return UserFunction(rel, lambda: value, frozenset(), value=True)


def _misspelled(module: ModuleType, rel: str, extras: tuple[str, ...]) -> list[Problem]:
    """A function of the module named almost like one panes calls (``acton``, ``actions``,
    ``Action`` for ``action``): panes would never call it, and posts would find no action."""
    if "action" not in extras or callable(getattr(module, "action", None)):
        return []
    found = []
    for name, value in vars(module).items():
        if not callable(value) or getattr(value, "__module__", None) != module.__name__:
            continue  # (what the module imported is not its own)
        if name != "action" and _one_edit("action", name.lower()):
            found.append(Problem(rel, f"it defines {name}(), which panes never calls: a page's "
                                      "action is named action()",
                                 f"rename {name}() to action() (or start its name with _ if it "
                                 "is a helper)"))
    return found


def _one_edit(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with at most one letter changed, added, dropped, or two
    neighbours swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _constants(module: ModuleType, kind: str) -> dict[str, Any]:
    """The module constants its kind reads, each of the type of its default."""
    found = {}
    for name, default in FILE_KINDS[kind].constants.items():
        value = getattr(module, name, default)
        try:
            found[name] = type(default)(value)
        except (TypeError, ValueError) as exc:
            if name in str(exc):
                raise
            raise type(exc)(f"{name} = {value!r}: {exc}") from None
    return found


def _function(module: ModuleType, kind: str, rel: str, allowed: frozenset[str],
              slot_names: Mapping[str, str], problems: list[Problem]) -> UserFunction | None:
    func = getattr(module, kind, None)
    if not callable(func):
        problems.append(Problem(rel, f"it defines no function named {kind}()",
                                f"add `def {kind}(...)` (or `async def {kind}(...)`)"))
        return None
    unknown = [p for p in _parameter_names(func) if p not in allowed]
    fix = _unknown_argument_fix(kind, unknown[0], allowed, slot_names) if unknown else None
    found = declared(func, kind, rel, allowed, problems, fix)
    return None if found is None else UserFunction(rel, func, found.wants, found.takes_all)


def _parameter_names(func: Callable[..., Any]) -> list[str]:
    try:
        return [p.name for p in inspect.signature(func).parameters.values()
                if p.kind is not p.VAR_KEYWORD]
    except (TypeError, ValueError):
        return []


def _unknown_argument_fix(kind: str, name: str, allowed: frozenset[str],
                          slot_names: Mapping[str, str]) -> str:
    if kind == "layout" and name == "search_params":
        return ("layouts do not get search_params (a layout is kept across navigations that "
                "change only the query); read it in a page, or use request.query_params")
    known = ", ".join(sorted(allowed))
    hint = f"use one of: {known}"
    if kind == "layout":
        hint += f"; or create the slot folder @{name} beside {kind}.py"
    return hint


def import_file(app_dir: Path, rel: str) -> ModuleType:
    """Import one file of the app directory under a private, unique module name."""
    path = app_dir / rel
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    name = "_panes_app_" + re.sub(r"\W", "_", rel.removesuffix(".py")) + "_" + digest
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - only for non-.py paths
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _one_line(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at line {frames[-1].lineno}" if frames else ""
    if isinstance(exc, SyntaxError):
        where = f" at line {exc.lineno}"
    return f"{type(exc).__name__}: {exc}{where}"
