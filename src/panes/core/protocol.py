"""Everything that crosses the wire between the server and the client runtime, in one place.

**The state** (:class:`~panes.core.state.State`) travels as one JSON object with named fields::

    {"v": 2, "url": "/visitors", "root": "layout.py", "base": "/feed", "b": "…", "sig": "…",
     "urls": {"Xq3f9a": "/", "c0Pz1w": "/visitors"},
     "regions": {"analytics/children": {"k": "df205f", "u": "c0Pz", "seg": ["visitors"],
                                        "reads": {"children": ["a"]}, "restore": 1,
                                        "via": "Xq3f"}}}

(``"d": 1`` marks a region that shows its slot's default.)

Each region names its URL by an id in ``urls``, so a long URL is written once however many
regions it activated. ``sig`` signs the canonical form of every other field (the server
re-serialises what it parses, so the browser may hold the object and send back
``JSON.stringify`` of it); ``b`` binds the state to the credentials of the request it was made
for (its cookies and ``Authorization`` header), so a state replayed by another user, or after a
logout, is a full page load rather than a view of what that request may not see.

**Answers** to soft navigations and restores are *records* (their classes and framing are in
:mod:`panes.core.framing`, and named here too): one JSON line whose ``t`` names the record,
then the raw HTML parts it announces (``n``: their lengths in UTF-16 code units, a
JavaScript string's length), so HTML travels unescaped and is cut out while the answer streams:

- ``patch``: the regions listed in ``swap`` get the HTML parts, and the record carries a state
  update (see :func:`state_update`) and, when it changed, the new ``head``
  (:func:`panes.core.metadata.head_json`; the state's ``h`` names the head the browser shows); the
  browser's URL becomes the state's ``url`` (``push`` is false for a restore, which keeps the
  URL; ``partial``: a prefetch's loading UI, shown while the navigation is fetched: the
  navigation then sends the state the partial patch makes as ``Panes-Prefetched``, and its
  patch leaves out the regions that the browser holds from it, as they are, so that only what
  lies below the loading boundaries comes, in fills);
- ``fill``: streamed content for ``region``, after the patch that placed its loading UI;
- ``state``: a state update alone (regions placed inside fills join the state), with the
  ``head`` when metadata behind a loading boundary finished after the patch;
- ``redirect``: navigate to ``url`` instead;
- ``hard``: load the URL as a full page (another root layout, a 404, a stale state).

A state update holds the top-level fields of the state that change (:data:`FIELDS`), and the
entries of ``urls`` and ``regions`` that change under ``urls`` and ``regions``; ``null``
removes a field or an entry. The runtime applies it to the state it holds (:func:`merge` is
the same rule, for tests and :mod:`panes.testing`).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any

import orjson

from panes.core.errors import BadRequest
from panes.core.framing import (
    Fill,
    Hard,
    Patch,
    Record,
    RedirectRecord,
    StateRecord,
    dumps,
    frame,
    parse,
)
from panes.core.kept import LIMIT, Kept, size_of
from panes.core.state import Entry, State, short_digest, url_safe

__all__ = ["FIELDS", "Fill", "Hard", "MAX_STATE_BYTES", "MEDIA_TYPE", "PREFETCHED_HEADER",
           "PREFETCH_HEADER", "PRIVATE", "Patch", "REFRESH_HEADER", "REGIONS_HEADER", "Record",
           "RedirectRecord", "STATE_HEADER", "Signer", "StaleState", "StateRecord",
           "TARGET_HEADER", "VERSION", "Verified", "binding", "dumps", "encode", "encoder",
           "frame", "merge", "parse", "patch_framer", "read", "state_update", "to_json", "verify"]

VERSION = 2
MEDIA_TYPE = "application/x-panes-navigation"
MAX_STATE_BYTES = 64 * 1024

#: The headers the runtime sends.
STATE_HEADER = "panes-state"  # the state the browser holds
TARGET_HEADER = "panes-target"  # a restore: the state whose regions to render again
REGIONS_HEADER = "panes-regions"  # a restore: which regions (comma-separated, URL-encoded)
REFRESH_HEADER = "panes-refresh"  # render everything again (refresh(), after an action)
PREFETCH_HEADER = "panes-prefetch"  # a prefetch: no effects, stop at loading boundaries
PREFETCHED_HEADER = "panes-prefetched"  # the click after a partial prefetch: the state it made
#: The ``Cache-Control`` of what is made for one request (a page rendered per request, an
#: answer to a navigation or a post, a response that sets a cookie): no cache keeps it, and a
#: shared one (a proxy, a CDN) never shows it to another user.
PRIVATE = "private, no-store"


class StaleState(BadRequest):
    """A state made for other credentials, or by another deploy (its key, bound to the code,
    made its binding): answered with a full page load."""


# -- the state --------------------------------------------------------------------------------


def _canonical(obj: Mapping[str, Any]) -> bytes:
    """The signed text: sorted keys, no spaces, UTF-8, no ``null`` fields at the top."""
    clean = {k: v for k, v in obj.items() if v is not None and k != "sig"}
    return orjson.dumps(clean, option=orjson.OPT_SORT_KEYS)


def _mac(key: bytes, text: str | bytes, size: int = 12) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return url_safe(hmac.digest(key, raw, "sha256")[:size])


def binding(cookies: Mapping[str, str], authorization: str, key: bytes) -> str:
    """What a state is bound to: the requester's credentials (its cookies by name, whatever
    their order in the header), as a short keyed digest."""
    canonical = "; ".join(f"{k}={v}" for k, v in sorted(cookies.items()))
    return _mac(key, f"{canonical}\x00{authorization}", 9)


def to_json(state: State, key: bytes, bound: str, head: str | None = None) -> dict[str, Any]:
    """The signed wire object of a state; ``head`` names the head the browser shows. Made in
    one pass, whose digests (each URL's id, then the signature) follow one another."""
    urls: dict[str, str] = {}  # id -> URL
    ids: dict[str, str] = {}  # URL -> id: most regions share a URL, its id is made once
    regions: dict[str, dict[str, Any]] = {}
    for rid, entry in state.regions.items():
        for url in (entry.url, entry.via):
            if url is not None and url not in ids:
                uid = short_digest(url, 3)
                while uid in urls:  # a clash between two URLs of one state
                    uid = short_digest(uid + url, 3)
                urls[uid] = url
                ids[url] = uid
        item: dict[str, Any] = {"k": entry.key, "u": ids[entry.url]}
        if entry.segments:
            item["seg"] = list(entry.segments)
        if entry.reads:
            item["reads"] = {slot: list(values) for slot, values in entry.reads.items()}
        if entry.restore:
            item["restore"] = 1
        if entry.via is not None:
            item["via"] = ids[entry.via]
        if entry.digest is not None:
            item["h"] = entry.digest
        if entry.default:
            item["d"] = 1
        regions[rid] = item
    obj: dict[str, Any] = {"v": VERSION, "url": state.url}
    if state.root is not None:
        obj["root"] = state.root
    if state.base is not None:
        obj["base"] = state.base
    obj.update(b=bound, urls=urls, regions=regions)
    if head is not None:
        obj["h"] = head
    text = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)  # = _canonical(obj)
    obj["sig"] = url_safe(hmac.digest(key, text, "sha256")[:12])  # = _mac(key, text)
    return obj


_BOUND = "\x00bound\x00"  # JSON-escaped as \u0000bound\u0000: in no real text
_SIG = "\x00sig\x00"


def _signed_text(state: State, key: bytes, head: str | None = None
                 ) -> tuple[dict[str, Any], tuple[bytes, bytes]] | None:
    """The wire object of ``state`` bound to a marker (no ``sig``), and its signed text cut
    around the binding: ``orjson.dumps(bound).join(cut)`` is what any binding signs."""
    obj = to_json(state, key, _BOUND, head)
    del obj["sig"]
    cut = _canonical(obj).split(orjson.dumps(_BOUND))
    return (obj, (cut[0], cut[1])) if len(cut) == 2 else None


def _sign(key: bytes, cut: tuple[bytes, bytes], bound: str) -> str:
    return _mac(key, orjson.dumps(bound).join(cut))


def encoder(state: State, key: bytes) -> Callable[[str], str]:
    """``encode`` for one state and many requesters: everything but the binding and the
    signature is written once, so a document answered again (panes.cache) pays per request
    only for what depends on who asks. ``encoder(s, k)(b) == encode(s, k, b)``."""
    signed = _signed_text(state, key)
    wire = dumps(signed[0]).split(dumps(_BOUND)) if signed is not None else []
    if signed is None or len(wire) != 2 or not wire[1].endswith("}"):
        return lambda bound: encode(state, key, bound)
    cut = signed[1]
    head, tail = wire[0], wire[1][:-1]

    def encode_for(bound: str) -> str:
        return f'{head}{json.dumps(bound)}{tail},"sig":{json.dumps(_sign(key, cut, bound))}}}'

    return encode_for


def patch_framer(record: Patch, state: State, key: bytes, head: str | None
                 ) -> Callable[[str], bytes] | None:
    """``frame(record)`` (a patch whose update makes ``state``) for every requester who sent
    the same state but for its binding: only the new signature differs, so the rest is
    written once (a soft navigation answered again, panes.cache). ``None``: not cut."""
    if "sig" not in record.state:  # the state did not change: nothing differs by requester
        text = frame(record).encode()
        return lambda bound: text
    signed = _signed_text(state, key, head)
    marked = frame(Patch(record.regions, record.html, {**record.state, "sig": _SIG},
                         record.push, record.head, record.partial))
    parts = marked.split(dumps(_SIG))
    if signed is None or len(parts) != 2:
        return None
    cut = signed[1]
    before, after = parts[0].encode(), parts[1].encode()

    def frame_for(bound: str) -> bytes:
        return b'%s"%s"%s' % (before, _sign(key, cut, bound).encode(), after)

    return frame_for


class Signer:
    """:func:`encode` and :func:`read` for one app's key, kept for states seen before.

    A renderer makes one entry object per outcome, URL and digest, so a page shown again is
    made of the same entries: its state is signed once, not per request. A state sent back is
    checked once per exact text (its signature, version and fields; a prefetch and its click,
    every hover of a link, send the same text): sent again, only its binding is compared with
    the requester's. Keeps at most ``kept`` states of each (and :data:`panes.core.kept.MAX_BYTES`),
    then starts over."""

    def __init__(self, key: bytes, kept: int = LIMIT) -> None:
        self.key = key
        self._signed: Kept[tuple[Any, ...], tuple[tuple[Entry, ...], str]] = Kept(kept)
        self._checked: Kept[str, tuple[str, bytes]] = Kept(kept)  # text -> (binding, ident)

    def encode(self, state: State, bound: str, head: str | None = None) -> str:
        entries = tuple(state.regions.values())
        key = (state.url, state.root, state.base, bound, head, tuple(state.regions),
               tuple(map(id, entries)))  # (the entries are kept with it: each id stays theirs)
        found = self._signed.get(key)
        if found is not None:
            return found[1]
        signed = encode(state, self.key, bound, head)
        return self._signed.keep(key, (entries, signed), size_of(state.url, state.base, signed))[1]

    def read(self, text: str, bound: str) -> Verified:
        """:func:`read`, with what the state shows apart from its binding (``ident``); a text
        checked before is parsed, not checked again."""
        checked = self._checked.get(text)
        found = verify(text, self.key, bound, None if checked is None else checked[1])
        if checked is None:
            self._keep(text, found)
        found.state  # noqa: B018 - a malformed state is refused here, as read() refuses it
        return found

    def check(self, text: str, bound: str) -> bytes:
        """:meth:`read` but for the record: only its ``ident``."""
        checked = self._checked.get(text)
        if checked is None:
            checked = self._keep(text, verify(text, self.key, bound))
        if checked[0] != bound:
            raise StaleState("the navigation state was made for other credentials or code")
        return checked[1]

    def _keep(self, text: str, found: Verified) -> tuple[str, bytes]:
        # (text only, nothing the garbage collector walks: a parsed state is made again)
        return self._checked.keep(text, (found.wire["b"], found.ident),
                                  size_of(text, found.ident))


class Verified:
    """A state this server signed: as a record (``state``, made when first asked for), as the
    wire object the browser holds (never changed: it may be shared by requests), and
    ``ident``, its signed text without the binding and the signature (the same for every
    requester shown the same regions)."""

    def __init__(self, wire: Mapping[str, Any], ident: bytes) -> None:
        self.wire = wire
        self.ident = ident

    @cached_property
    def state(self) -> State:
        """The record, or :class:`BadRequest` (a state signed here is never malformed, but
        the signature is all that says so). Made once: asked for again, it is an attribute."""
        obj = self.wire
        try:
            urls = obj["urls"]
            regions = {rid: _entry_from(item, urls) for rid, item in obj["regions"].items()}
            return State(obj["url"], regions, obj.get("root"), obj.get("base"))
        except (KeyError, TypeError, AttributeError, ValueError):
            raise BadRequest("the navigation state is malformed") from None


def encode(state: State, key: bytes, bound: str, head: str | None = None) -> str:
    return dumps(to_json(state, key, bound, head))


def read(text: str, key: bytes, bound: str) -> tuple[State, dict[str, Any]]:
    """The state this server signed, with its wire object, or :class:`BadRequest`;
    :class:`StaleState` when it was signed for other credentials (or by another deploy)."""
    found = verify(text, key, bound)
    return found.state, dict(found.wire)  # (malformed: refused here)


def verify(text: str, key: bytes, bound: str, ident: bytes | None = None) -> Verified:
    """The state, if this server signed it for ``bound``, or :class:`BadRequest`
    (:class:`StaleState`: for other credentials, or by another deploy). ``ident``: the text
    was checked before (this is its ``ident``), it is only parsed."""
    if len(text) > MAX_STATE_BYTES:
        raise BadRequest("the navigation state is too large")
    try:
        obj = orjson.loads(text)
    except (ValueError, RecursionError):
        raise BadRequest("the navigation state is not one this server sent") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("sig"), str):
        raise BadRequest("the navigation state is not one this server sent")
    made_for = obj.get("b")
    if isinstance(made_for, str) and made_for != bound:  # (before the signature, which
        # another deploy's key made too: its tab gets a full load of this deploy, not a 400)
        raise StaleState("the navigation state was made for other credentials or code")
    if ident is not None:
        return Verified(obj, ident)
    try:
        canonical = _canonical(obj)
    except (ValueError, TypeError, RecursionError):
        raise BadRequest("the navigation state is not one this server sent") from None
    if not hmac.compare_digest(obj["sig"].encode("utf-8", "replace"),
                               _mac(key, canonical).encode()):
        raise BadRequest("the navigation state is not one this server sent")
    if obj.get("v") != VERSION:
        raise BadRequest(f"navigation state version {obj.get('v')!r} is not {VERSION}")
    if made_for != bound:
        raise StaleState("the navigation state was made for other credentials")
    return Verified(obj, _canonical({k: v for k, v in obj.items() if k != "b"}))


def _entry_from(item: Mapping[str, Any], urls: Mapping[str, str]) -> Entry:
    via = item.get("via")
    reads = {str(slot): tuple(map(str, values)) for slot, values in item.get("reads", {}).items()}
    digest = item.get("h")
    return Entry(str(item["k"]), urls[item["u"]], tuple(map(str, item.get("seg", ()))),
                 reads, bool(item.get("restore")), None if via is None else urls[via],
                 None if digest is None else str(digest), bool(item.get("d")))


#: The state's own fields, which an update carries beside the record's fields.
FIELDS = ("v", "url", "root", "base", "b", "h", "sig")
_TABLES = ("urls", "regions")


def state_update(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``after`` as an update of ``before``: what changes, nothing else."""
    update = _delta({k: before.get(k) for k in FIELDS}, {k: after.get(k) for k in FIELDS})
    update = {k: v for k, v in update.items() if v is not None or before.get(k) is not None}
    for table in _TABLES:
        changes = _delta(before.get(table, {}), after[table])
        if changes:
            update[table] = changes
    return update


def _delta(old: Mapping[str, Any], new: Mapping[str, Any],
           skip: Sequence[str] = ()) -> dict[str, Any]:
    changed = {k: v for k, v in new.items() if k not in skip and old.get(k) != v}
    changed.update({k: None for k in old if k not in new and k not in skip})
    return changed


def merge(obj: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """The state the runtime holds after an update (what ``panes.js`` does, as data)."""
    merged = _apply(obj, {k: v for k, v in update.items() if k in FIELDS})
    for table in _TABLES:
        merged[table] = _apply(obj.get(table, {}), update.get(table, {}))
    return merged


def _apply(old: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in {**old, **changes}.items() if v is not None}


