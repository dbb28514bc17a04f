"""Evaluating ``metadata()`` and ``viewport()`` functions: call each with the arguments it
names, check what it returns, and resolve the whole head (:func:`evaluate`, :func:`checked`,
:func:`resolve`); :func:`loader_order` puts the contributing files in Next.js's order.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

from ..errors import Problem
from .checks import validate, validate_viewport
from .merge import Contribution, merge, merge_viewport
from .records import MetadataError, Resolved

Source = Mapping[str, Any] | Callable[..., Any] | None


def _call(source: Callable[..., Any], available: Mapping[str, Any]) -> Any:
    kwargs = getattr(source, "kwargs", None)
    if callable(kwargs) and callable(getattr(source, "func", None)):  # a loader.UserFunction
        return source.func(**kwargs(available))  # type: ignore[attr-defined]
    try:
        params = inspect.signature(source).parameters.values()
    except (TypeError, ValueError):
        return source()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return source(**available)
    return source(**{p.name: available[p.name] for p in params if p.name in available})


async def _value(source: Source, available: Mapping[str, Any]) -> Any:
    if source is None or isinstance(source, Mapping):
        return source
    result = _call(source, available)
    if inspect.isawaitable(result):
        result = await result
    return result


async def evaluate(sources: Sequence[tuple[str, Source]], available: Mapping[str, Any], *,
                   pathname: str = "/",
                   warn: Callable[[Problem], None] | None = None) -> Resolved:
    """Run every ``metadata(...)`` at once (arguments by name, as pages get them), check what
    they return, and merge in the order given.

    A function that raises propagates its exception (the caller renders the error boundary, as
    Next.js does); a wrong value raises :class:`MetadataError` naming the file.
    """
    values = await asyncio.gather(*(_value(source, available) for _, source in sources))
    problems: list[Problem] = []
    for (file, _), value in zip(sources, values, strict=True):
        for problem in validate(value, file):
            if problem.severity == "error":
                problems.append(problem)
            elif warn is not None:
                warn(problem)
    if problems:
        raise MetadataError(problems)
    return merge([(file, value) for (file, _), value in zip(sources, values, strict=True)],
                 pathname=pathname)


async def value_of(file: str, source: Source, available: Mapping[str, Any], *,
                   name: Literal["metadata", "viewport"] = "metadata",
                   warn: Callable[[Problem], None] | None = None) -> Mapping[str, Any] | None:
    """One file's ``metadata`` (or ``viewport``), called if it is a function and checked: a
    wrong value raises :class:`MetadataError` naming the file; an exception propagates."""
    return checked(file, await _value(source, available), name=name, warn=warn)


def checked(file: str, value: Any, *, name: Literal["metadata", "viewport"] = "metadata",
            warn: Callable[[Problem], None] | None = None) -> Mapping[str, Any] | None:
    """A value a ``metadata()`` (or ``viewport()``) of ``file`` returned, once checked."""
    found = (validate if name == "metadata" else validate_viewport)(value, file)
    errors = [p for p in found if p.severity == "error"]
    if errors:
        raise MetadataError(errors)
    if warn is not None:
        for problem in found:
            warn(problem)
    return value if isinstance(value, Mapping) else None


def resolve(metadata: Iterable[Contribution], viewports: Iterable[Mapping[str, Any] | None],
            *, pathname: str = "/") -> Resolved:
    """The whole head: metadata merged in the order given, and the viewports over the default."""
    return replace(merge(metadata, pathname=pathname), viewport=merge_viewport(viewports))


def loader_order(files: Iterable[str]) -> list[str]:
    """Put the contributing files in the order Next.js 15 walks its loader tree (a production
    build): in each folder the layout first, then the named slots' subtrees in name order, then
    the ``children`` subtree, so the page of ``children`` is merged last and wins."""
    def key(file: str) -> list[tuple[int, str]]:
        *dirs, name = file.replace("\\", "/").split("/")
        parts = [(0, d) if d.startswith("@") and d != "@children" else (1, d) for d in dirs
                 if d != "@children"]
        return parts + [(-1, "") if name.startswith("layout.") else (2, name)]
    return sorted(files, key=key)

