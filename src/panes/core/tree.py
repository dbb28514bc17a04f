"""The route tree: frozen records built once by :mod:`panes.appdir.scan`, read by the rest."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from panes.core.kinds import BOUNDARIES, CHILDREN, FILE_KINDS
from panes.core.segments import Segment

__all__ = ["CHILDREN", "FILE_KINDS", "Node"]


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, eq=False, slots=True)
class Node:
    """One folder of the app directory.

    ``files`` maps a file kind (``"page"``, ``"layout"`` …) to its path relative to the app
    directory. ``children`` are the routing folders below (URL segments, groups and interception
    folders); ``slots`` the named slots (``@team`` under the key ``"team"``). The contents of an
    ``@children`` folder are merged into its parent.
    """

    path: str
    segment: Segment
    files: Mapping[str, str] = field(default_factory=_empty)
    children: tuple[Node, ...] = ()
    slots: Mapping[str, Node] = field(default_factory=_empty)
    #: whether it has a layout or a boundary file (else its children share its region)
    bounded: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "bounded", any(kind in self.files for kind in BOUNDARIES))

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, slots included, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()
        for slot in self.slots.values():
            yield from slot.walk()

    def __repr__(self) -> str:
        files = ", ".join(self.files)
        return f"Node({self.path or '.'!r}{': ' + files if files else ''})"
