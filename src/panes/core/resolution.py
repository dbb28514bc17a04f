"""What resolution makes: the regions one request renders (:class:`Resolution`, a
:class:`Render` per region), as plain values the renderer reads with no modes of its own; the
regions of templates (``shop/~template``) and those that may hold the whole document.
:mod:`panes.core.resolve` decides them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from panes.core.plan import Branch, Leaf, Outcome
from panes.core.state import Entry, Source, Trail, collapse, join, short_digest
from panes.core.tree import CHILDREN

__all__ = ["HARD", "Render", "Resolution", "TEMPLATE", "document_regions", "template_entry",
           "template_region"]


#: The last key of a template's region: ``shop/~template`` is the region of the template of
#: the folder whose region is ``shop`` (no slot can be named so: a slot key starts with a
#: letter or ``_``). Its slots keep their own ids (``shop/children``), inside it in the page.
TEMPLATE = "~template"


def template_region(rid: str) -> str:
    """The region of the template of the folder whose region is ``rid``."""
    return join(rid, TEMPLATE)


def template_entry(file: str, src: Source) -> Entry:
    """What a template's region shows: new for each URL that renders it (it is never compared
    by the server, only by Back/Forward, which restores the DOM it had)."""
    return Entry(short_digest(f"t:{file}:{src.url}:{src.via}", 4), src.url, via=src.via)


@dataclass(frozen=True, slots=True)
class Render:
    """Region ``region`` renders ``outcome`` inside ``parent``'s boundaries, with the arguments
    of ``src``. ``trail`` holds the (branch, region) pairs above ``parent``'s slots. A
    *relayout* renders the branch itself again (its layout read segments that change); its
    slots that did not change are kept. ``parent`` is None for the document itself (``""``).
    A *template* render renews the template of the branch ``outcome`` (its region is
    :func:`template_region` of the branch's): the template and the slots it ``wraps``, inside
    the layout, which is kept; ``trail`` then ends with the branch's own place."""

    region: str
    parent: Branch | None
    outcome: Outcome
    src: Source
    trail: Trail = ()
    relayout: bool = False
    wraps: tuple[str, ...] = ()

    @property
    def template(self) -> bool:
        return bool(self.wraps)

    def replaced(self) -> list[str]:
        """The regions whose entries this render replaces: its own, and a template's slots."""
        prefix = self.region.rpartition("/")[0]
        return [self.region, *(join(prefix, key) for key in self.wraps)]


@dataclass(frozen=True, slots=True)
class Resolution:
    """What one request renders (see the module docstring). ``hard``: the browser must load
    ``url`` as a full page instead; ``push``: the browser's URL becomes ``url``."""

    url: str
    renders: tuple[Render, ...] = ()
    keep: Mapping[str, Mapping[str, Entry]] = field(default_factory=dict)
    inner: Mapping[str, Render] = field(default_factory=dict)
    base: str | None = None
    status: int = 200
    hard: bool = False
    push: bool = True
    #: the plan of ``url`` and the source it renders from, when resolving found them (a soft
    #: navigation): the head follows it, with no second match of the URL
    target: tuple[Branch, Source] | None = None

    def replaced(self) -> list[str]:
        """The regions whose entries the renders replace (the others the browser keeps)."""
        return [rid for r in self.renders for rid in r.replaced()]

    def describe(self) -> str:
        """Compact text for table tests: ``render team=@team/settings/page.py; keep analytics``."""
        if self.hard:
            return "hard"
        parts = [f"{'relayout' if r.relayout else 'render'} {r.region or '<document>'}="
                 f"{_name(r)}" + (f" from {r.src.url}" if r.src.url != self.url else "")
                 for r in self.renders]
        parts += [f"inner {rid}={_name(r)} from {r.src.url}"
                  for rid, r in sorted(self.inner.items())]
        parts += [f"keep {rid}" for rid in sorted(self.keep)]
        return "; ".join(parts) or "nothing"


def _name(render: Render) -> str:
    outcome = render.outcome
    if render.template:
        assert isinstance(outcome, Branch)
        return outcome.node.files.get("template") or "?"
    head = collapse(outcome)[1]
    if isinstance(head, Leaf):
        return head.file or head.kind
    return (head.node.files.get("layout") or head.node.path or ".")


HARD = Resolution("", hard=True)


def document_regions(plan: Branch) -> frozenset[str]:
    """The regions that may hold the whole document: with no ``app/layout.py``, those down the
    children chain to the first layout (a route group's root layout writes ``<html>``). Their
    content is the document's: no markers around it, and a change renders the document."""
    if plan.node.files.get("layout") is not None:
        return frozenset()
    rids: set[str] = set()
    outcome: Outcome = plan
    rid = ""
    while isinstance(outcome, Branch) and (rid == "" or outcome.node.files.get("layout") is None):
        outcome = collapse(outcome.slots[CHILDREN])[1]
        rid = join(rid, CHILDREN)
        rids.add(rid)
    return frozenset(rids) if isinstance(outcome, Branch) else frozenset()
