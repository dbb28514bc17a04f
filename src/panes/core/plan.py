"""What renders in every slot for one route: a tree of :class:`Branch` and :class:`Leaf` records.

A route's plan is decided once, when the route table is built; matching a URL only picks the
plan and the URL segments that its parameters read (:class:`ParamSpec`). Plans print as compact
text (:func:`describe`), which is what the table tests and ``panes routes`` compare and show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from panes.core.tree import CHILDREN, Node

Params = dict[str, "str | list[str]"]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """The parameters on one folder's path, each read from URL segment ``index`` on."""

    entries: tuple[tuple[str, int, bool], ...] = ()  # (name, index, catch-all)

    def add(self, name: str, index: int, catch_all: bool) -> ParamSpec:
        kept = tuple(e for e in self.entries if e[0] != name)
        return ParamSpec((*kept, (name, index, catch_all)))

    def bind(self, segments: Sequence[str]) -> Params:
        return {
            name: list(segments[index:]) if catch_all else segments[index]
            for name, index, catch_all in self.entries
        }


LeafKind = Literal["page", "default", "missing", "not_found", "empty"]


@dataclass(frozen=True, eq=False, slots=True)
class Leaf:
    """The end of a slot: a page, a default, nothing to show (``missing``: 404 if placed).

    ``node`` is the folder the file is in (for a missing slot: the slot's folder, or the parent
    for ``children``). ``why`` is the sentence ``panes routes --url`` prints.
    """

    kind: LeafKind
    node: Node
    file: str | None
    params: ParamSpec
    why: str

    def __repr__(self) -> str:
        return f"Leaf({self.kind}, {self.file or self.node.path!r})"


@dataclass(frozen=True, eq=False, slots=True)
class Branch:
    """A folder on the route: its layout (if any) wraps the content of each of its slots."""

    node: Node
    params: ParamSpec
    slots: Mapping[str, Outcome]

    def __repr__(self) -> str:
        return f"Branch({self.node.path or '.'!r}, {dict(self.slots)!r})"


Outcome = Branch | Leaf


def slot_label(holder: Node | None) -> str:
    """How a slot is named in tables: its folder (``@team``, ``shop/@crumbs``) or ``children``."""
    return holder.path if holder is not None else CHILDREN


def leaves(outcome: Outcome, placed: Callable[[Node, str], bool] | None = None,
           holder: Node | None = None) -> Iterator[tuple[str, Leaf]]:
    """Every leaf of a plan with the label of the slot it fills, in slot order; with
    ``placed``, only through the slots it says the folder's layout places."""
    if isinstance(outcome, Leaf):
        yield slot_label(holder), outcome
        return
    for key, child in outcome.slots.items():
        if placed is None or placed(outcome.node, key):
            inner = holder if key == CHILDREN else outcome.node.slots[key]
            yield from leaves(child, placed, inner)


def describe(outcome: Outcome, segments: Sequence[str] | None = None) -> str:
    """One line: ``children: page.py; @team: @team/settings/page.py; @analytics: 404``."""
    parts = []
    for label, leaf in leaves(outcome):
        if leaf.kind == "missing":
            text = "404"
        elif leaf.kind == "empty":
            text = "-"
        else:
            text = leaf.file or "?"
        if segments is not None and leaf.params.entries:
            bound = leaf.params.bind(segments)
            text += " {" + ", ".join(f"{k}={_show(v)}" for k, v in bound.items()) + "}"
        parts.append(f"{label}: {text}")
    return "; ".join(parts)


def _show(value: str | list[str]) -> str:
    return "[" + ",".join(value) + "]" if isinstance(value, list) else value
