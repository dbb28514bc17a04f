"""One folder name of the app directory, parsed into a :class:`Segment`.

The only place that knows the spelling of the conventions: ``[id]``, ``[...slug]``,
``[[...slug]]``, ``(group)``, ``@slot``, ``_private`` and the interception markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    STATIC = "static"
    DYNAMIC = "dynamic"
    CATCH_ALL = "catch-all"
    OPTIONAL_CATCH_ALL = "optional catch-all"
    GROUP = "group"
    SLOT = "slot"
    PRIVATE = "private"


#: How specific a URL segment is: lower wins (static > dynamic > catch-all > optional).
RANK = {Kind.STATIC: 0, Kind.DYNAMIC: 1, Kind.CATCH_ALL: 2, Kind.OPTIONAL_CATCH_ALL: 3}

#: Interception markers, in the order Next.js tries them, with the URL levels each climbs.
MARKERS = (("(..)(..)", 2), ("(.)", 0), ("(..)", 1), ("(...)", -1))

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_SLOT = re.compile(rf"@({_NAME})")
_GROUP = re.compile(r"\(([^()/]+)\)")
_DYNAMIC = re.compile(rf"\[({_NAME})\]")
_CATCH_ALL = re.compile(rf"\[\.\.\.({_NAME})\]")
_OPTIONAL = re.compile(rf"\[\[\.\.\.({_NAME})\]\]")
_STATIC_FORBIDDEN = re.compile(r"[\[\]()@]")


class SegmentError(ValueError):
    """A folder name that follows no convention; ``fix`` says what to write instead."""

    def __init__(self, name: str, problem: str, fix: str) -> None:
        super().__init__(f"{problem}; {fix}")
        self.name = name
        self.problem = problem
        self.fix = fix


@dataclass(frozen=True, slots=True)
class Segment:
    """A parsed folder name.

    ``value`` is the static text, the parameter name, the group name or the slot key
    (``@children`` gives ``children``). ``intercept`` is the number of URL levels an
    interception marker climbs (0 for ``(.)``, -1 for ``(...)``, the app root), else None.
    """

    name: str
    kind: Kind
    value: str
    intercept: int | None = None

    @property
    def is_url(self) -> bool:
        """True when the folder stands for a URL segment (not a group, slot or private folder)."""
        return self.kind in RANK

    @property
    def is_param(self) -> bool:
        return self.kind in (Kind.DYNAMIC, Kind.CATCH_ALL, Kind.OPTIONAL_CATCH_ALL)

    @property
    def is_catch_all(self) -> bool:
        return self.kind in (Kind.CATCH_ALL, Kind.OPTIONAL_CATCH_ALL)

    @property
    def pattern(self) -> str:
        """The segment as ``panes routes`` prints it: ``settings``, ``[id]``, ``[...slug]``."""
        return {
            Kind.DYNAMIC: f"[{self.value}]",
            Kind.CATCH_ALL: f"[...{self.value}]",
            Kind.OPTIONAL_CATCH_ALL: f"[[...{self.value}]]",
        }.get(self.kind, self.value)

    def __repr__(self) -> str:
        return f"Segment({self.name!r})"


ROOT = Segment("", Kind.GROUP, "")


def parse_segment(name: str) -> Segment:
    """Parse one folder name, or raise :class:`SegmentError` naming the fix."""
    if not name or name in (".", ".."):
        raise SegmentError(name, f"folder name {name!r} is not allowed", "rename the folder")
    if name.startswith("_"):
        return Segment(name, Kind.PRIVATE, name)
    if name.startswith("@"):
        return _slot(name)
    for marker, levels in MARKERS:
        if name.startswith(marker):
            return _intercepting(name, marker, levels)
    if name.startswith("("):
        return _group(name)
    if name.startswith("["):
        return _dynamic(name)
    if _STATIC_FORBIDDEN.search(name):
        raise SegmentError(
            name,
            f"folder name {name!r} mixes text with [ ] ( ) or @",
            "a folder is either plain text, [param], (group), @slot or an interception marker",
        )
    return Segment(name, Kind.STATIC, name)


def _slot(name: str) -> Segment:
    """``@team``: a slot, which a layout receives as its argument ``team``."""
    m = _SLOT.fullmatch(name)
    if not m:
        raise SegmentError(
            name,
            f"invalid slot name {name!r}",
            "a slot is @ followed by a letter or _, then letters, digits, _ or - (e.g. @team)",
        )
    return Segment(name, Kind.SLOT, m.group(1))


def _intercepting(name: str, marker: str, levels: int) -> Segment:
    """``(.)photos``, ``(..)[id]`` …: the URL segment after the marker, intercepting from
    ``levels`` URL levels up (-1: the app root)."""
    rest = name[len(marker) :]
    if not rest:
        raise SegmentError(
            name,
            f"interception marker {name!r} names no route",
            f"write the intercepted folder after the marker, e.g. {marker}photos",
        )
    inner = parse_segment(rest)
    if not inner.is_url:
        raise SegmentError(
            name,
            f"interception marker {marker} must be followed by a URL segment, not {rest!r}",
            f"write a folder name or [param] after the marker, e.g. {marker}photos",
        )
    return Segment(name, inner.kind, inner.value, intercept=levels)


def _group(name: str) -> Segment:
    """``(marketing)``: a route group, which organises folders and adds nothing to the URL."""
    m = _GROUP.fullmatch(name)
    if not m or m.group(1).strip() != m.group(1):
        raise SegmentError(
            name,
            f"invalid route group or interception marker {name!r}",
            "a group is (name); the markers are (.)x, (..)x, (..)(..)x and (...)x",
        )
    return Segment(name, Kind.GROUP, m.group(1))


def _dynamic(name: str) -> Segment:
    """``[id]``, ``[...path]``, ``[[...path]]``: a parameter, a catch-all, an optional one."""
    for pattern, kind in (
        (_OPTIONAL, Kind.OPTIONAL_CATCH_ALL),
        (_CATCH_ALL, Kind.CATCH_ALL),
        (_DYNAMIC, Kind.DYNAMIC),
    ):
        m = pattern.fullmatch(name)
        if m:
            return Segment(name, kind, m.group(1))
    raise SegmentError(
        name,
        f"invalid dynamic segment {name!r}",
        "write [name], [...name] or [[...name]] with a name of letters, digits, _ or -",
    )
