"""What a user function declares: the argument names panes passes it by keyword.

Every function a user writes (a page, a route handler, a middleware …) is called with only the
arguments it names, so its signature is read once, when it is loaded, and checked against the
names its kind may declare: an unknown name or a positional-only one is a :class:`Problem` that
``panes check`` reports before any request is served.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from panes.core.errors import Problem


@dataclass(frozen=True, slots=True)
class Declared:
    """The names a function declared; ``takes_all``: it has ``**kwargs`` (it gets them all)."""

    wants: frozenset[str]
    takes_all: bool = False


def declared(func: Callable[..., Any], name: str, file: str, allowed: Iterable[str],
             problems: list[Problem], unknown_fix: str | None = None) -> Declared | None:
    """``func``'s declared names, or None after appending a problem for each it may not
    declare. ``unknown_fix`` replaces the default fix (the list of allowed names)."""
    allowed = frozenset(allowed)
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # a builtin or C callable: pass it nothing
        return Declared(frozenset())
    wants: set[str] = set()
    takes_all, ok = False, True
    for p in parameters:
        if p.kind is p.VAR_KEYWORD:
            takes_all = True
        elif p.kind in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL):
            problems.append(Problem(file, f"{name}() takes {p.name!r} by position",
                                    "declare arguments by name only "
                                    "(panes passes them by keyword)"))
            ok = False
        elif p.name not in allowed:
            problems.append(Problem(file, f"{name}() declares an unknown argument {p.name!r}",
                                    unknown_fix or "use one of: " + ", ".join(sorted(allowed))))
            ok = False
        else:
            wants.add(p.name)
    return Declared(frozenset(wants), takes_all) if ok else None


def names(func: Callable[..., Any], allowed: Iterable[str]) -> Declared:
    """What ``func`` declares among ``allowed``, unchecked (for a function built in code, not
    loaded from the app directory: :func:`declared` checked those)."""
    found = declared(func, "", "", allowed, [])
    if found is not None:
        return found
    parameters = inspect.signature(func).parameters.values()
    return Declared(frozenset(p.name for p in parameters if p.name in frozenset(allowed)),
                    any(p.kind is p.VAR_KEYWORD for p in parameters))
