"""The navigation state: what the browser shows, region by region, its wire form, and the diff.

A *region* is a slot placed in the page, named by the slot keys that lead to it (``team``,
``analytics/children``; ``""`` is the document itself). The browser keeps the :class:`State` the
server last sent and sends it back with each soft navigation; the server compares it with the
plan of the new URL (:func:`diff`) and renders only the regions that change.

The state is untrusted input, so the server signs what it sends and refuses what it did not
sign: a region exists in a state only if a layout placed it for this user. The server still
matches every URL itself; the state never names a file to render.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from .errors import BadRequest
from .plan import Branch, Leaf, Outcome
from .segments import Kind
from .tree import CHILDREN

VERSION = 1
MAX_STATE_BYTES = 32 * 1024

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
    rendered it.
    """

    key: str
    url: str
    segments: tuple[str, ...] = ()
    leaf: bool = False
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    restore: bool = False
    via: str | None = None  # the background URL, when an interception rendered it


@dataclass(frozen=True, slots=True)
class State:
    """What the browser shows: its URL, the layout that renders its document, its regions, and
    the URL of its background (``base``: the page below an intercepted one, else ``url``)."""

    url: str
    regions: Mapping[str, Entry]
    root: str | None = None
    base: str | None = None

    @property
    def background(self) -> str:
        return self.base or self.url

    def segments_below(self, region_id: str) -> list[str]:
        """Follow ``children`` down from a region, as ``selected_layout_segments`` does."""
        out: list[str] = []
        entry = self.regions.get(region_id)
        while entry is not None:
            out.extend(entry.segments)
            if entry.leaf:
                break
            region_id = join(region_id, CHILDREN)
            entry = self.regions.get(region_id)
        return out


# -- identity ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """Where an outcome's arguments come from: the URL that activated it."""

    url: str
    segments: tuple[str, ...]
    query: str = ""
    via: str | None = None  # the background URL of an interception


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
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


def transparent(outcome: Outcome) -> bool:
    """A folder with no layout and no boundary adds nothing around its children: it shares its
    region with them (fewer regions, smaller states and answers)."""
    return isinstance(outcome, Branch) and not any(
        outcome.node.file(kind) for kind in ("layout", "error", "loading", "not_found"))


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
                 isinstance(head, Leaf), restore=restore, via=src.via)


# -- wire form --------------------------------------------------------------------------------
#
#   signature "." version "|" url "|" root "|" region ";" region ... "|" base
#   region = id "," key "," url "," flags "," segments "," reads "," via
#   segments = segment ":" segment ...   (present when the flags hold "s")
#   reads  = slot ":" segment ":" segment ... "&" slot ":" ...
#
# Every value is percent-encoded, so no separator (and no quote, <, > or &) appears inside one:
# the text travels as a header value, inside <script> and inside JSON unchanged, and the
# browser sends back exactly the text it was given.

_SAFE = "/@[]()-_.~!$'*+="
_UNSAFE = re.compile(r"[^A-Za-z0-9/@\[\]()\-_.~!$'*+=]")


def _q(value: str) -> str:
    return quote(value, safe=_SAFE) if _UNSAFE.search(value) else value


def encode(state: State, secret: bytes) -> str:
    regions = ";".join(sorted(_items(state).values()))
    body = f"{VERSION}|{_q(state.url)}|{_q(state.root or '')}|{regions}|{_q(state.base or '')}"
    return f"{_sign(body, secret)}.{body}"


def delta(before: State, after: State, secret: bytes, url: str | None = None) -> dict[str, Any]:
    """``after`` as changes to ``before``: the browser rebuilds the exact text :func:`encode`
    gives (regions sorted) and keeps the signature.

    Fields the browser can infer are left out: ``su`` (the URL field) when it is the ``url``
    the same record announces, or unchanged when it announces none; ``sb`` (the base field)
    when empty; ``drop`` when nothing goes.
    """
    old, new = _items(before), _items(after)
    changes: dict[str, Any] = {"sig": encode(after, secret).partition(".")[0]}
    if _q(after.url) != (url if url is not None else _q(before.url)):
        changes["su"] = _q(after.url)
    if after.base:
        changes["sb"] = _q(after.base)
    dropped = sorted(rid for rid in old if rid not in new)
    if dropped:
        changes["drop"] = dropped
    changes["add"] = ";".join(sorted(item for rid, item in new.items() if old.get(rid) != item))
    return changes


def _items(state: State) -> dict[str, str]:
    """Each region's wire text, by its encoded id."""
    return {_q(rid): _entry_to_wire(rid, e) for rid, e in state.regions.items()}


def decode(text: str, secret: bytes) -> State:
    """The state the server signed, or :class:`BadRequest` for anything else."""
    if len(text) > MAX_STATE_BYTES:
        raise BadRequest("the navigation state is too large")
    signature, dot, body = text.partition(".")
    if not dot or not hmac.compare_digest(signature, _sign(body, secret)):
        raise BadRequest("the navigation state is not one this server sent")
    try:
        version, *fields = body.split("|")
        if version != str(VERSION):
            raise BadRequest(f"navigation state version {version!r} is not {VERSION}")
        url, root, regions, base = fields
        entries = dict(_entry_from_wire(item) for item in regions.split(";") if item)
        return State(unquote(url), entries, unquote(root) or None, unquote(base) or None)
    except ValueError as exc:
        raise BadRequest("the navigation state is malformed") from exc


def _sign(body: str, secret: bytes) -> str:
    """128 bits of HMAC-SHA256, in 22 URL-safe characters."""
    digest = hmac.new(secret, body.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _entry_to_wire(rid: str, entry: Entry) -> str:
    flags = ("l" if entry.leaf else "") + ("R" if entry.restore else "") + (
        "s" if entry.segments else "")
    reads = "&".join(":".join(map(_q, (key, *segments))) for key, segments in entry.reads.items())
    segments = ":".join(map(_q, entry.segments))
    return ",".join((_q(rid), entry.key, _q(entry.url), flags, segments, reads,
                     _q(entry.via or "")))


def _entry_from_wire(item: str) -> tuple[str, Entry]:
    rid, key, url, flags, segments, reads, via = item.split(",")
    read = {}
    for part in filter(None, reads.split("&")):
        slot, *values = part.split(":")
        read[unquote(slot)] = tuple(unquote(v) for v in values)
    shown = tuple(unquote(v) for v in segments.split(":")) if "s" in flags else ()
    return unquote(rid), Entry(key, unquote(url), shown, "l" in flags, read, "R" in flags,
                               unquote(via) or None)


# -- the diff ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Patch:
    """Region ``region`` gets new content: ``outcome`` inside ``parent``'s boundaries.

    A *relayout* patch re-renders the branch itself (its layout read segments that change);
    its slots that did not change are kept (moved, not re-rendered, in the browser).
    """

    region: str
    parent: Branch | None
    outcome: Outcome
    trail: Trail
    relayout: bool = False


@dataclass(frozen=True, slots=True)
class Diff:
    patches: tuple[Patch, ...]
    kept: frozenset[str]  # regions whose content stays as the browser has it


def diff(plan: Branch, src: Source, old: State, sticky: Callable[[Leaf], bool]) -> Diff:
    """The regions a soft navigation to ``src.url`` changes, given what the browser shows.

    As in Next.js: a region whose identity is unchanged is kept, and so is a region that has no
    match at the new URL (unless its ``default.py`` says ``STICKY = False``); only regions the
    browser has (the ones layouts placed) are considered.
    """
    kept: set[str] = set()
    changed: set[str] = set()

    def walk(branch: Branch, prefix: str, parent: Branch | None, trail: Trail) -> list[Patch]:
        """``trail``: the (branch, region) pairs above ``branch``'s slots."""
        patches: list[Patch] = []
        direct: list[Patch] = []
        for key, outcome in branch.slots.items():
            rid = join(prefix, key)
            have = old.regions.get(rid)
            if have is None:
                continue  # the layout did not place it: it is never rendered
            head = collapse(outcome)[1]
            if isinstance(head, Leaf) and head.kind != "page" and (
                    head.kind != "default" or sticky(head)):
                kept.add(rid)
                continue
            if have.key == identity(head, src):
                if isinstance(head, Branch):
                    patches += walk(head, rid, branch, (*trail, (branch, rid)))
                else:
                    kept.add(rid)
                continue
            changed.add(rid)
            direct.append(Patch(rid, branch, outcome, trail))
        entry = old.regions.get(prefix)
        if entry is not None and entry.reads and _reads_change(branch, prefix, entry):
            return [Patch(prefix, parent, branch, trail[:-1], relayout=True), *patches]
        return direct + patches

    def _reads_change(branch: Branch, prefix: str, entry: Entry) -> bool:
        return any(tuple(new_segments(branch.slots[k], join(prefix, k))) != v
                   for k, v in entry.reads.items() if k in branch.slots)

    def new_segments(outcome: Outcome, rid: str) -> Iterator[str]:
        while True:
            chain, head = collapse(outcome)
            if rid in kept or (rid not in changed and isinstance(head, Leaf)):
                yield from old.segments_below(rid)
                return
            for step in (*chain, head):
                value = segment_value(step, src)
                if value is not None:
                    yield value
            if isinstance(head, Leaf):
                return
            outcome, rid = head.slots[CHILDREN], join(rid, CHILDREN)

    patches = walk(plan, "", None, ())
    return Diff(tuple(patches), frozenset(kept))


def regions_under(regions: Mapping[str, Entry], region_id: str) -> Iterator[str]:
    """The region ids strictly inside ``region_id``."""
    prefix = f"{region_id}/" if region_id else ""
    return (rid for rid in regions if rid.startswith(prefix) and rid != region_id)


def replace_regions(old: State, url: str, patched: Sequence[str],
                    fresh: Mapping[str, Entry], base: str | None = None) -> State:
    """The new state: ``patched`` regions and everything inside them come from ``fresh``."""
    regions = dict(old.regions)
    for rid in patched:
        for inner in list(regions_under(regions, rid)):
            del regions[inner]
        regions.pop(rid, None)
    regions.update(fresh)
    return State(url, regions, old.root, base)
