"""What a request renders, decided before anything renders: a pure function of the route model,
the URL, and (for soft navigations and restores) the state the browser shows.

Every kind of request resolves to a :class:`Resolution`: the regions to *render* (each with
the outcome of its plan and the URL it comes from), the regions inside them that the browser
*keeps*, and the regions inside them that render *from another URL* (a restore of a slot that an
earlier URL activated). A hard load renders the document; a soft navigation renders the regions
whose identity changes (as in Next.js: a slot with no match at the new URL keeps what it shows,
unless its ``default.py`` says ``STICKY = False``; a folder's ``template.py`` gets new DOM, in
a region of its own inside its layout's, when anything it wraps changes); a restore
(``refresh()``, back/forward without a cache, ``RESTORE = True``) renders regions again from
the URLs that activated them.
The renderer then renders the resolution, with no modes of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from panes.core.errors import BadRequest
from panes.core.match import Matcher, split_path
from panes.core.plan import Branch, Leaf, Outcome, leaves
from panes.core.resolution import (
    HARD,
    TEMPLATE,
    Render,
    Resolution,
    document_regions,
    template_entry,
    template_region,
)
from panes.core.state import (
    Entry,
    Source,
    State,
    Trail,
    collapse,
    identity,
    join,
    placed,
    region_identity,
    regions_under,
    segment_value,
    segments_below,
    subtrees,
)
from panes.core.tree import CHILDREN

__all__ = ["Render", "Resolution", "RouteModel", "children_leaf", "document_layout",
           "document_regions", "not_found_document", "only_catch_alls", "resolve_load",
           "resolve_navigation", "resolve_refresh", "resolve_restore", "template_entry",
           "template_region"]


@dataclass(frozen=True, eq=False, slots=True)
class RouteModel:
    """What resolution reads: the matcher (pages and interceptions), the plan for unmatched
    URLs, the module constants of the user's files (``STICKY``, ``RESTORE`` …), and the slots
    each ``template.py`` places (by file)."""

    matcher: Matcher
    not_found: Branch
    settings: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: MappingProxyType({}))
    templates: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: MappingProxyType({}))

    def wraps(self, branch: Branch) -> tuple[str, ...]:
        """The slots of ``branch`` its template places, in slot order (none: no template)."""
        inside = self.templates.get(branch.node.files.get("template") or "", frozenset())
        return tuple(key for key in branch.slots if key in inside)

    def setting(self, file: str | None, name: str, default: Any) -> Any:
        return self.settings.get(file or "", {}).get(name, default)

    def plan_for(self, url: str, via: str | None = None) -> tuple[Branch, Source] | None:
        """The plan for ``url`` and where its arguments come from; with ``via`` (the page the
        user is on), the interception's plan when one intercepts ``url`` from there."""
        path, _, query = url.partition("?")
        try:
            segments = split_path(path.encode("latin-1"))
            background = split_path(via.partition("?")[0].encode("latin-1")) if via else None
        except (BadRequest, UnicodeEncodeError):
            return None
        if background is not None:
            item = self.matcher.intercept(segments, background)
            if item is not None:
                return item.plan, Source(url, item.segments(segments, background), query, via)
        found = self.matcher.match(segments)
        return None if found is None else (found.plan, Source(url, segments, query))


def document_layout(plan: Branch) -> str | None:
    """The layout that renders the document: the first one down the children chain."""
    outcome: Outcome = plan
    while isinstance(outcome, Branch):
        layout = outcome.node.files.get("layout")
        if layout is not None:
            return layout
        outcome = outcome.slots[CHILDREN]
    return None


def children_leaf(plan: Branch) -> Leaf:
    """The leaf at the end of the children chain: the page whose URL a form posts to."""
    outcome: Outcome = plan
    while isinstance(outcome, Branch):
        outcome = outcome.slots[CHILDREN]
    return outcome


# -- hard loads -------------------------------------------------------------------------------


def resolve_load(model: RouteModel, src: Source) -> Resolution:
    """A document: the URL's plan, or the not-found plan with status 404."""
    found = model.matcher.match(src.segments)
    if found is None:
        return Resolution(src.url, (Render("", None, model.not_found, src),), status=404)
    return Resolution(src.url, (Render("", None, found.plan, src),))


def not_found_document(model: RouteModel, src: Source) -> Resolution:
    return Resolution(src.url, (Render("", None, model.not_found, src),), status=404)


# -- soft navigations -------------------------------------------------------------------------


def resolve_navigation(model: RouteModel, old: State, url: str) -> Resolution:
    """The regions a soft navigation from what the browser shows (``old``) to ``url`` renders.

    A full load instead when no route serves the URL, when another layout renders the
    document, or when a ``children`` slot the browser shows has nothing for a URL that only
    some slot's catch-all serves (a hard load is the not-found page, as Next.js does since its
    #79352). A URL that a real page in another slot serves keeps ``children`` as it is.
    """
    resolved = model.plan_for(url, via=_background(old))
    if resolved is None:
        return HARD
    plan, src = resolved
    if document_layout(plan) != old.root:
        return HARD
    return _Diff(model, plan, src, old).resolve()


def _background(state: State) -> str:
    """The URL of the page the user is on: the page below an intercepted one, else the URL."""
    return state.base or state.url


class _Diff:
    """Compares the plan of the new URL with what the browser shows, region by region."""

    def __init__(self, model: RouteModel, plan: Branch, src: Source, old: State) -> None:
        self.model = model
        self.plan = plan
        self.src = src
        self.old = old
        self.kept: set[str] = set()
        self.sticky: set[str] = set()  # kept because the URL has nothing for them
        self.changed: set[str] = set()
        self.missing = False  # a children slot the browser shows has nothing for the URL

    def resolve(self) -> Resolution:
        plan = self.plan
        renders = self.walk(plan, "", None, ())
        if self.missing and only_catch_alls(plan):
            return HARD
        renders = [r for r in renders if r.parent is None] or renders  # the document: all
        keep = subtrees(self.old.regions, self.kept)
        return Resolution(self.src.url, tuple(renders), keep, base=self.src.via,
                          target=(plan, self.src))

    def walk(self, branch: Branch, prefix: str, parent: Branch | None,
             trail: Trail) -> list[Render]:
        """The renders below ``branch`` (region ``prefix``); ``trail``: the (branch, region)
        pairs above ``branch``'s slots."""
        nested: list[Render] = []
        direct: list[Render] = []
        wraps = self.model.wraps(branch)
        renew = False  # something the template wraps changes: it gets new DOM
        for slot in placed(branch, prefix, self.old.regions, self.src):
            key, rid, head = slot.key, slot.region, slot.head
            if key == CHILDREN and isinstance(head, Leaf) and head.kind == "missing" \
                    and self.src.via is None:
                self.missing = True
            if isinstance(head, Leaf) and self._keeps(head):
                self.kept.add(rid)
                self.sticky.add(rid)
            elif not slot.same:
                self.changed.add(rid)
                direct.append(Render(rid, branch, slot.outcome, self.src, trail))
                renew = renew or key in wraps
            elif isinstance(head, Branch):
                below = self.walk(head, rid, branch, (*trail, (branch, rid)))
                nested += below
                renew = renew or (key in wraps and bool(below))
            else:
                self.kept.add(rid)
        renders = direct + nested
        if renew:
            # The template gets new DOM, and so does everything it wraps, except what the new
            # URL has nothing for (sticky slots); the layout around it is kept.
            inside = [join(prefix, key) for key in wraps]
            self.kept = {r for r in self.kept if r in self.sticky or not _within(r, inside)}
            renders = [r for r in renders if not _within(r.region, inside)]
            nested = [r for r in nested if r in renders]
            renders.insert(0, Render(template_region(prefix), branch, branch, self.src, trail,
                                     wraps=wraps))
        entry = self.old.regions.get(prefix)
        if entry is not None and entry.reads and self._reads_change(branch, prefix, entry):
            if prefix in document_regions(self.plan):
                # a route group's root layout (it writes <html>): the document again
                return [Render("", None, self.plan, self.src, relayout=True)]
            outcome_trail = trail[:-1]
            relayout = Render(prefix, parent, branch, self.src, outcome_trail, relayout=True)
            return [relayout, *nested]
        return renders

    def _keeps(self, leaf: Leaf) -> bool:
        """A slot with no page at the new URL keeps what it shows, unless its default is not
        sticky (then the default renders)."""
        if leaf.kind == "page":
            return False
        if leaf.kind != "default":
            return True
        return bool(self.model.setting(leaf.file, "STICKY", True))

    def _reads_change(self, branch: Branch, prefix: str, entry: Entry) -> bool:
        return any(self._segments(branch.slots[k], join(prefix, k)) != v
                   for k, v in entry.reads.items() if k in branch.slots)

    def _segments(self, outcome: Outcome, rid: str) -> tuple[str, ...]:
        """What ``selected_layout_segments`` will see below ``rid`` after this navigation."""
        found: list[str] = []
        while True:
            chain, head = collapse(outcome)
            if rid in self.kept or (rid not in self.changed and isinstance(head, Leaf)):
                found += segments_below(self.old.regions, rid)
                return tuple(found)
            for step in (*chain, head):
                value = segment_value(step, self.src)
                if value is not None:
                    found.append(value)
            if isinstance(head, Leaf):
                return tuple(found)
            outcome, rid = head.slots[CHILDREN], join(rid, CHILDREN)


def only_catch_alls(plan: Branch) -> bool:
    """Whether every page of the plan reaches its URL through a catch-all: nothing but a
    slot's catch-all serves the URL (``@crumbs/[...path]`` at ``/does-not-exist``)."""
    return all(any(catch_all for _, _, catch_all in leaf.params.entries)
               for _, leaf in leaves(plan) if leaf.kind == "page")


def _within(rid: str, regions: Sequence[str]) -> bool:
    """Whether ``rid`` is one of ``regions`` or inside one of them."""
    return any(rid == r or rid.startswith(r + "/") for r in regions)


# -- restores ---------------------------------------------------------------------------------


def _is_template(rid: str) -> bool:
    """Whether ``rid`` is the region of a template (see :func:`template_region`)."""
    return rid.rpartition("/")[2] == TEMPLATE


def resolve_restore(model: RouteModel, current: State, target: State,
                    wanted: Sequence[str]) -> Resolution:
    """Render ``wanted`` regions again from the URLs that activated them, as ``target`` says;
    regions inside them that another URL activated render from that URL. The browser's URL
    stays. A full load when a region is no longer what the target state says."""
    renders: list[Render] = []
    inner: dict[str, Render] = {}
    wanted = list(dict.fromkeys(wanted))  # the work is bounded by the state's own regions
    if len(wanted) > len(target.regions):
        raise BadRequest("more regions asked for than the target state has")
    tops: list[str] = []
    for rid in wanted:
        if not rid or rid not in target.regions:
            raise BadRequest(f"no region {rid!r} in the target state")
        if _is_template(rid):  # (the browser lost its DOM) the folder's region, template and all
            rid = rid.rpartition("/")[0]
            if not rid:
                return HARD
        tops.append(rid)
    for rid in dict.fromkeys(tops):
        if any(rid.startswith(other + "/") for other in tops):
            continue  # rendered with the region around it
        found = _locate(model, rid, target)
        if found is None:
            return HARD
        renders.append(found)
        for below in regions_under(target.regions, rid):
            if target.regions[below].url != target.regions[rid].url:
                nested = _locate(model, below, target)
                if nested is not None:
                    inner[below] = nested
    return Resolution(current.url, tuple(renders), {}, inner, base=current.base, push=False)


def _locate(model: RouteModel, rid: str, target: State) -> Render | None:
    """Region ``rid`` as the URL that activated it renders it (through the same interception,
    if one did), if it is still what the target state says: the same identity, inside the
    same layouts."""
    entry = target.regions[rid]
    resolved = model.plan_for(entry.url, entry.via)
    if resolved is None:
        return None
    branch, src = resolved
    trail: Trail = ()
    keys = rid.split("/")
    prefix = ""
    for key in keys[:-1]:
        prefix = join(prefix, key)
        step = branch.slots.get(key)
        head = None if step is None else collapse(step)[1]
        above = target.regions.get(prefix)
        if not isinstance(head, Branch) or above is None or above.key != identity(head, src):
            return None
        trail = (*trail, (branch, prefix))
        branch = head
    outcome = branch.slots.get(keys[-1])
    if outcome is None or region_identity(outcome, src) != entry.key:
        return None
    return Render(rid, branch, outcome, src, trail)


# -- refreshes --------------------------------------------------------------------------------


def resolve_refresh(model: RouteModel, current: State, url: str) -> Resolution:
    """Everything the browser shows, rendered again (``refresh()``, after an action): the
    document from ``url``, each region inside it from the URL that activated it (an open modal
    through its interception, a slot that kept its page from an earlier URL from that URL).

    ``url`` is the app's URL of the request: the URL the browser shows (or a middleware's
    rewrite of it) refreshes what it shows; another one (where an action's ``redirect()``
    sends it) renders what a soft navigation there would show, every region again. The
    browser compares nothing: the server sends only the regions whose HTML changed.
    """
    if url in (current.url, _background(current)):
        via = current.base if current.base not in (None, url) else None
        preserved: Mapping[str, Entry] = current.regions
        push = False
    else:
        navigation = resolve_navigation(model, current, url)
        if navigation.hard:
            return HARD
        via = _background(current)
        preserved = {rid: e for kept in navigation.keep.values() for rid, e in kept.items()}
        push = True
    resolved = model.plan_for(url, via)
    if resolved is None:
        return HARD
    plan, src = resolved
    if document_layout(plan) != current.root:
        return HARD
    inner: dict[str, Render] = {}
    origin: dict[str, tuple[str, str | None]] = {"": (src.url, src.via)}
    for rid in sorted((r for r in preserved if r), key=lambda r: r.count("/")):
        entry = preserved[rid]
        above = rid
        while above and above not in origin:
            above = above.rpartition("/")[0]
        if _is_template(rid):  # renders with its folder's region
            continue
        if (entry.url, entry.via) != origin[above]:
            found = _locate(model, rid, current)
            if found is None:
                return HARD
            inner[rid] = found
        origin[rid] = (entry.url, entry.via)
    renders = (Render("", None, plan, src),)
    if push:
        return Resolution(src.url, renders, {}, inner, base=src.via)
    return Resolution(current.url, renders, {}, inner, base=current.base, push=False)
