"""Which regions of a page rendered again changed, and the HTML that updates just those.

A refresh (``refresh()``, after an action) renders everything the browser shows; sending all of
it would replace the DOM of regions that did not change (typed input, focus, scroll). Each
region's *own* HTML (with the regions inside it emptied) gets a short digest, kept in the
navigation state; the next refresh compares, and sends only the outermost regions whose own
HTML changed, with the unchanged regions inside them as keep markers (the browser moves their
DOM into the new content). Pure functions over rendered text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from hashlib import sha1

from panes.core.state import Entry, url_safe

#: A region of new HTML that keeps the DOM its region has in the browser ("~" is in no region
#: id: a slot named ``keep`` must not read as this marker).
KEEP = "<!--panes:~keep-->"
_MARK = re.compile(r"<!--(/?)panes:(.*?)-->")


@dataclass(slots=True)
class Region:
    """A region in rendered HTML: its content is ``html[start:end]``."""

    rid: str
    start: int
    end: int
    inside: list[Region] = field(default_factory=list)


def parse(html: str, rid: str = "") -> Region:
    """The regions of ``html`` (the content of region ``rid``), as a tree. Markers that do
    not pair up are ignored (they are the user's text, not ours)."""
    top = Region(rid, 0, len(html))
    stack: list[tuple[Region, int]] = [(top, -1)]
    for m in _MARK.finditer(html):
        closing, name = m.group(1), m.group(2)
        if name == "~keep" and not closing:
            continue
        if not closing:
            stack.append((Region(name, m.end(), -1), m.start()))
        elif len(stack) > 1 and stack[-1][0].rid == name:
            region, _ = stack.pop()
            region.end = m.start()
            stack[-1][0].inside.append(region)
    return top


def _own(html: str, region: Region) -> str:
    """The region's HTML with the regions inside it emptied."""
    parts, at = [], region.start
    for inner in region.inside:
        parts.append(html[at:inner.start])
        at = inner.end
    parts.append(html[at:region.end])
    return "".join(parts)


def walk(region: Region) -> Iterator[Region]:
    yield region
    for inner in region.inside:
        yield from walk(inner)


def digest(text: str) -> str:
    """A region's digest: 6 bytes of SHA-1, which hashes a page about twice as fast as BLAKE2b
    here (SHA extensions); a digest only tells changed HTML apart, nobody forges it."""
    return url_safe(sha1(text.encode("utf-8", "surrogatepass")).digest()[:6])


class Digests:
    """:func:`digest`, kept for HTML seen before: most regions send the same HTML again and
    again (a layout, a page of static text), and finding it in a dict costs a quarter of
    encoding and hashing it. Keeps at most ``max_chars`` characters of HTML, then starts over."""

    def __init__(self, max_chars: int = 2_000_000) -> None:
        self.max_chars = max_chars
        self._kept: dict[str, str] = {}
        self._chars = 0

    def __call__(self, own: str) -> str:
        found = self._kept.get(own)
        if found is None:
            found = digest(own)
            if self._chars + len(own) > self.max_chars:
                self._kept.clear()
                self._chars = 0
            if len(own) <= self.max_chars:
                self._kept[own] = found
                self._chars += len(own)
        return found

    def many(self, owns: list[str]) -> list[str]:
        """The digest of each, in order (one call for all the regions of a render)."""
        return [self(own) for own in owns]


def digests(html: str, rid: str = "") -> dict[str, str]:
    """Each region's digest (``rid``: the region ``html`` is the content of), left out for
    regions whose content is a keep marker. The definition: the renderer computes the same
    as it renders (:meth:`panes.render.render.Renderer._digest`), without scanning the page; the
    document's own (``""``) it takes before the head and the runtime's tags go in."""
    out: dict[str, str] = {}
    for region in walk(parse(html, rid)):
        own = _own(html, region)
        if own != KEEP:
            out[region.rid] = digest(own)
    return out


def changes(html: str, new: Mapping[str, str | None], old: Mapping[str, str | None],
            rid: str = "") -> tuple[list[str], list[str]]:
    """The regions to swap, outermost first, and the HTML of each: the regions whose own HTML
    changed, with the unchanged regions inside them as keep markers (the browser moves their
    DOM in; a change further inside them is a swap of its own, after)."""
    found = _Changes(html, new, old)
    top = parse(html, rid)
    if found.same(top):
        found.visit(top)
    else:
        found.send(top)
    return found.regions, found.parts


class _Changes:
    """The walk of :func:`changes` (methods rather than nested functions, which would refer to
    each other in a cycle that only the garbage collector frees)."""

    def __init__(self, html: str, new: Mapping[str, str | None],
                 old: Mapping[str, str | None]) -> None:
        self.html, self.new, self.old = html, new, old
        self.regions: list[str] = []
        self.parts: list[str] = []

    def same(self, region: Region) -> bool:
        return region.rid in self.old and self.new.get(region.rid) == self.old[region.rid]

    def visit(self, region: Region) -> None:
        """The browser has it as it is: look inside."""
        for inner in region.inside:
            if self.same(inner):
                self.visit(inner)
            else:
                self.send(inner)

    def send(self, region: Region) -> None:
        later: list[Region] = []
        self.regions.append(region.rid)
        self.parts.append(self.compose(region, later))
        for kept in later:
            self.visit(kept)

    def compose(self, region: Region, later: list[Region]) -> str:
        out, at = [], region.start
        for inner in region.inside:
            out.append(self.html[at:inner.start])
            if self.same(inner):
                out.append(KEEP)
                later.append(inner)
            else:
                out.append(self.compose(inner, later))
            at = inner.end
        out.append(self.html[at:region.end])
        return "".join(out)


def waiting(streamed: Iterable[str], old: Mapping[str, Entry],
            new: Mapping[str, Entry]) -> dict[str, str | None]:
    """Streamed regions of a refresh whose content comes later: each that the browser shows
    with the same identity keeps its DOM until its fill (its old digest stands in for the
    new one, so :func:`changes` sends a keep marker for it instead of its loading UI)."""
    out: dict[str, str | None] = {}
    for rid in streamed:
        was, now = old.get(rid), new.get(rid)
        if was is not None and now is not None and was.key == now.key:
            out[rid] = was.digest
    return out


def fill_changes(html: str, target: str, streamed: Collection[str], old: Mapping[str, Entry],
                 new: Mapping[str, Entry]) -> tuple[list[str], list[str], dict[str, str],
                                                   set[str]]:
    """A refresh's fill of region ``target``, which the browser still shows as it was: the
    regions to swap and their HTML (as :func:`changes`: only what changed), the digests of
    the regions it completed, and the streamed regions inside it that the browser keeps."""
    found = {rid: d for rid, d in digests(html, target).items()
             if rid == target or rid not in streamed}
    kept = waiting((rid for rid in streamed if rid != target and _inside(rid, target)), old, new)
    regions, parts = changes(html, {**found, **kept},
                             {rid: entry.digest for rid, entry in old.items()}, target)
    return regions, parts, found, set(kept)


def _inside(rid: str, target: str) -> bool:
    return rid.startswith(target + "/") if target else bool(rid)
