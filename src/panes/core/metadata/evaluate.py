"""Evaluating ``metadata()`` and ``viewport()`` functions: call each with the arguments it
names, check what it returns, and resolve the whole head (:func:`evaluate`, :func:`checked`,
:func:`resolve`); :func:`loader_order` puts the contributing files in Next.js's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any, Literal

from panes.core.errors import Problem
from panes.core.metadata.checks import validate, validate_viewport
from panes.core.metadata.merge import Contribution, merge, merge_viewport
from panes.core.metadata.records import MetadataError, Resolved

Source = Mapping[str, Any] | Callable[..., Any] | None



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

