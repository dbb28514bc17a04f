"""What the browser shows, region by region: the records of the navigation state.

A *region* is a slot placed in the page, named by the slot keys that lead to it (``team``,
``analytics/children``; ``""`` is the document itself). The browser keeps the :class:`State` the
server last sent and sends it back with each soft navigation (its wire form is in
:mod:`panes.core.protocol`); :mod:`panes.core.resolve` compares it with the plan of the new URL.
"""

from __future__ import annotations

import binascii
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from panes.core.plan import Branch, Leaf, Outcome
from panes.core.segments import Kind
from panes.core.tree import CHILDREN

Trail = tuple[tuple[Branch, str], ...]


def join(prefix: str, key: str) -> str:
    return f"{prefix}/{key}" if prefix else key


@dataclass(frozen=True, slots=True)
class Entry:
    """What one region shows.

    ``key`` identifies it (same key: nothing to render again), ``url`` is the URL that put it
    there, ``segments`` what ``selected_layout_segments`` collects in it, ``reads`` the segments
    its layout read (a change re-renders the layout), ``restore`` whether its slot asked for
    ``RESTORE = True``, ``via`` the URL of the page the user was on when an interception
    rendered it, ``digest`` a digest of the HTML the browser got for it (its own, without the
    regions inside it; unknown while it streams), so that a refresh sends only what changed;
    ``default`` whether it shows its slot's ``default.py`` (a slot showing its default shows no
    URL of its own: the runtime's ``aria-current`` rule compares its links to the document's).
    """

    key: str
    url: str
    segments: tuple[str, ...] = ()
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    restore: bool = False
    via: str | None = None  # the background URL, when an interception rendered it
    digest: str | None = None
    default: bool = False

    def with_reads(self, reads: Mapping[str, tuple[str, ...]]) -> Entry:
        return Entry(self.key, self.url, self.segments, reads, self.restore, self.via,
                     self.digest, self.default)

    def with_digest(self, digest: str) -> Entry:
        return Entry(self.key, self.url, self.segments, self.reads, self.restore, self.via,
                     digest, self.default)


@dataclass(frozen=True, slots=True)
class State:
    """What the browser shows: its URL, the layout that renders its document, its regions, and
    the URL of its background (``base``: the page below an intercepted one, else ``url``)."""

    url: str
    regions: Mapping[str, Entry]
    root: str | None = None
    base: str | None = None


def segments_below(regions: Mapping[str, Entry], region_id: str) -> list[str]:
    """Follow ``children`` down from a region, as ``selected_layout_segments`` does."""
    out: list[str] = []
    entry = regions.get(region_id)
    while entry is not None:  # a page's region has no regions inside: the walk ends there
        out.extend(entry.segments)
        region_id = join(region_id, CHILDREN)
        entry = regions.get(region_id)
    return out


# -- identity ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """Where an outcome's arguments come from: the URL that activated it."""

    url: str
    segments: tuple[str, ...]
    query: str = ""
    via: str | None = None  # the background URL of an interception

    @property
    def pathname(self) -> str:
        """The path inside the app of the URL (``/login``, decoded): the ``pathname`` argument
        of what this source renders, and its part of a cache key."""
        return unquote(self.url.partition("?")[0]) or "/"


def identity(outcome: Outcome, src: Source) -> str:
    """Two outcomes with the same identity render the same (a page also reads the query).

    Only compared, never read: a short digest keeps the state small.
    """
    params = ""
    if outcome.params.entries:
        params = json.dumps(outcome.params.bind(src.segments), sort_keys=True, ensure_ascii=True)
    if isinstance(outcome, Branch):
        text = f"b:{outcome.node.path}:{params}"
    elif outcome.kind == "page":
        text = f"p:{outcome.file}:{params}?{src.query}"
    elif outcome.kind in ("default", "not_found"):
        text = f"d:{outcome.file}:{params}"
    else:
        text = "n:"
    return short_digest(text, 4)


def short_digest(text: str, size: int) -> str:
    """A short name for ``text``, safe in URLs and JSON (``size`` bytes of BLAKE2b)."""
    return url_safe(hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                    digest_size=size).digest())


def url_safe(raw: bytes) -> str:
    """``raw`` in URL-safe base64, unpadded."""
    return binascii.b2a_base64(raw, newline=False).translate(_URL_SAFE).rstrip(b"=").decode()


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def transparent(outcome: Outcome) -> bool:
    """A folder with no layout and no boundary adds nothing around its children: it shares its
    region with them (fewer regions, smaller states and answers)."""
    return isinstance(outcome, Branch) and not outcome.node.bounded


def collapse(outcome: Outcome) -> tuple[list[Branch], Outcome]:
    """The transparent folders at the top of a region, and what the region really shows."""
    chain: list[Branch] = []
    while transparent(outcome):
        assert isinstance(outcome, Branch)
        chain.append(outcome)
        outcome = outcome.slots[CHILDREN]
    return chain, outcome


def region_identity(outcome: Outcome, src: Source) -> str:
    """What a region showing ``outcome`` is compared by: its head's identity (a node's path
    and params determine the transparent folders above it)."""
    return identity(collapse(outcome)[1], src)


def segment_value(outcome: Outcome, src: Source) -> str | None:
    if isinstance(outcome, Leaf):
        return None
    seg = outcome.node.segment
    if seg.is_param:
        value = outcome.params.bind(src.segments)[seg.value]
        return "/".join(value) if isinstance(value, list) else value
    return None if seg.kind is Kind.SLOT or not seg.name else seg.name


def root_entry(plan: Branch, src: Source) -> Entry:
    """The document's own entry: the root folder, whose layout (if any) renders the page."""
    return Entry(identity(plan, src), src.url)


def entry_for(outcome: Outcome, src: Source, restore: bool = False) -> Entry:
    chain, head = collapse(outcome)
    values = (segment_value(o, src) for o in (*chain, head))
    return Entry(identity(head, src), src.url, tuple(v for v in values if v is not None),
                 restore=restore, via=src.via,
                 default=isinstance(head, Leaf) and head.kind == "default")


@dataclass(frozen=True, slots=True)
class Placed:
    """A slot of a branch that the page placed: its ``key`` and ``region``, its ``outcome`` in
    the plan of a URL, what the region would show (``head``, below the transparent folders),
    and whether it shows that already (``same``: the entry has its identity)."""

    key: str
    region: str
    outcome: Outcome
    head: Outcome
    same: bool


def placed(branch: Branch, prefix: str, shown: Mapping[str, Entry], src: Source) -> list[Placed]:
    """The slots of ``branch`` (in region ``prefix``) that have a region in ``shown`` (what the
    browser shows), compared with what ``src`` makes them show; a slot the layout did not
    place is never rendered."""
    found: list[Placed] = []
    for key, outcome in branch.slots.items():
        rid = join(prefix, key)
        have = shown.get(rid)
        if have is not None:
            head = collapse(outcome)[1]
            found.append(Placed(key, rid, outcome, head, have.key == identity(head, src)))
    return found


def subtrees(regions: Mapping[str, Entry], region_ids: Iterable[str]
             ) -> dict[str, dict[str, Entry]]:
    """Each of ``region_ids``, with its entry and the entries of every region inside it."""
    return {rid: {r: regions[r] for r in (rid, *regions_under(regions, rid))}
            for rid in region_ids}


def regions_under(regions: Mapping[str, object], region_id: str) -> Iterator[str]:
    """The region ids strictly inside ``region_id``."""
    prefix = f"{region_id}/" if region_id else ""
    return (rid for rid in regions if rid.startswith(prefix) and rid != region_id)


def replace_regions(old: State, url: str, rendered: Iterable[str], shown: Mapping[str, Entry],
                    base: str | None = None) -> State:
    """The state after rendering: each region in ``rendered`` and everything inside it come
    from ``shown`` (what the renderer showed there), the others stay as they were."""
    regions = dict(old.regions)
    for rid in rendered:
        for inner in list(regions_under(regions, rid)):
            del regions[inner]
        regions.pop(rid, None)
    regions.update(shown)
    return State(url, regions, old.root, base)
