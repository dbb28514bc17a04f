"""The one piece of ambient state: which layout is rendering, for ``selected_layout_segment(s)``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field

from panes.core.plan import Branch, Outcome
from panes.core.state import Entry, Source, join, segment_value
from panes.core.state import segments_below as kept_segments_below
from panes.core.tree import CHILDREN


@dataclass(frozen=True, slots=True)
class LayoutContext:
    """The rendering layout's slots, how to read what each shows, and what it read."""

    branch: Branch
    lookup: Callable[[str], list[str]]  # slot key -> the active segments below it
    reads: dict[str, tuple[str, ...]] = field(default_factory=dict)


current_layout: ContextVar[LayoutContext] = ContextVar("panes_current_layout")


def selected_layout_segments(parallel_routes_key: str = CHILDREN) -> list[str]:
    """The active segments below the rendering layout in one of its slots, as in Next.js.

    Route groups are included as written; a dynamic segment gives its value, a catch-all its
    values joined by ``/``. A slot showing its default gives ``[]``.
    """
    try:
        ctx = current_layout.get()
    except LookupError:
        raise RuntimeError(
            "selected_layout_segments() is callable only while a layout renders"
        ) from None
    key = parallel_routes_key.replace("_", "-") if parallel_routes_key not in ctx.branch.slots \
        else parallel_routes_key
    if key not in ctx.branch.slots:
        known = ", ".join(ctx.branch.slots)
        raise KeyError(f"this layout has no slot {parallel_routes_key!r} (it has {known})")
    found = ctx.lookup(key)
    ctx.reads[key] = tuple(found)
    return found


def selected_layout_segment(parallel_routes_key: str = CHILDREN) -> str | None:
    """The first active segment below the layout (the last one for a named slot), or None."""
    found = selected_layout_segments(parallel_routes_key)
    if not found:
        return None
    return found[0] if parallel_routes_key == CHILDREN else found[-1]


def segments_below(outcome: Outcome, segments: Sequence[str]) -> list[str]:
    """The active segments in a plan, from ``outcome`` down its ``children``."""
    out: list[str] = []
    src = Source("", tuple(segments))
    while isinstance(outcome, Branch):
        value = segment_value(outcome, src)
        if value is not None:
            out.append(value)
        outcome = outcome.slots[CHILDREN]
    return out


def lookup(keep: Mapping[str, Mapping[str, Entry]], branch: Branch, region: str,
           src: Source) -> Callable[[str], list[str]]:
    """What ``selected_layout_segments`` reads in ``branch``'s layout (rendered in ``region``):
    the plan, or what the browser keeps (``keep``: a soft navigation's kept regions)."""

    def segments(key: str) -> list[str]:
        kept = keep.get(join(region, key))
        if kept is not None:
            return kept_segments_below(kept, join(region, key))
        return segments_below(branch.slots[key], src.segments)

    return segments
