"""Answers remembered whole: a document whose every region was a fresh hit, and a soft
navigation (or prefetch) whose rendered regions all were.

:class:`Documents` remembers the bytes of a *document* whose regions were all fresh hits: the
next hard load of the same URL is answered from them without resolving, rendering or looking up
a region (the fast path). Only the navigation state is made per request (it is bound to the
requester's credentials). :class:`Navigations` does the same for a soft navigation (or
prefetch) by the state the browser showed: the state sent is checked (signature, binding) and
the new one signed for each request, nothing else. A remembered answer is used only while every
region in it is fresh and no invalidation happened since (the store's epoch), so it never shows
what the regions would not.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from starlette.types import ASGIApp, Receive, Scope, Send

from panes.cache.region import Ledger, RegionCache
from panes.core import protocol
from panes.core.errors import BadRequest
from panes.core.state import Entry, State
from panes.http.middleware import ORIGINAL_PATH
from panes.render import client
from panes.render.cookies import SCOPE_KEY, parse_cookie_header

#: What a worker keeps of remembered answers, at most (when some file caches its region).
MEMO_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class Memo:
    """A document whose regions were all fresh hits: its text around the navigation state,
    and what the state says it shows."""

    head: bytes
    tail: bytes
    state: Callable[[str], str]  # the signed state for a requester's binding
    fresh_until: float
    epoch: int
    size: int  # bytes it holds, its key and the state tags below included
    #: the state tags already made, by the credentials they are bound to (bounded)
    tags: dict[tuple[bytes, bytes, str], bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Answered:
    """A soft navigation whose rendered regions were all fresh hits: its records, for any
    requester who sent the same state (:func:`panes.core.protocol.patch_framer`)."""

    records: Callable[[str], bytes]
    fresh_until: float
    epoch: int
    size: int  # bytes it holds, its key included


_M = TypeVar("_M", Memo, Answered)


class _Remembered(Generic[_M]):
    """Answers remembered by what asked for them, least recently used first out, bounded by
    ``max_bytes`` (``0``: the app caches nothing, so nothing is remembered): every byte they
    hold counts, the URL they are keyed by too. One larger than a 64th of the bound is not
    remembered (a request that brings a huge URL or cookie pays for itself)."""

    def __init__(self, cache: RegionCache, state_key: bytes, max_bytes: int) -> None:
        self.cache = cache
        self.state_key = state_key
        self.max_bytes = max_bytes
        self.bytes = 0
        self._memos: OrderedDict[Any, _M] = OrderedDict()

    def __bool__(self) -> bool:
        return self.max_bytes > 0

    def _keep(self, key: Any, memo: _M) -> None:
        self.forget(key)
        self._memos[key] = memo
        self.bytes += memo.size
        self._evict()

    def forget(self, key: Any) -> None:
        memo = self._memos.pop(key, None)
        if memo is not None:
            self.bytes -= memo.size

    def _evict(self, keep: int = 0) -> None:
        """Forget the least recently used answers until the bound holds (or ``keep`` are
        left: the one being answered)."""
        while self.bytes > self.max_bytes and len(self._memos) > keep:
            self.forget(next(iter(self._memos)))

    async def _fresh(self, key: Any) -> _M | None:
        """The memo for ``key`` while every region in it is still what the cache holds."""
        memo = self._memos.get(key)
        if memo is None:
            return None
        if self.cache.clock() >= memo.fresh_until or await self.cache.epoch() != memo.epoch:
            self.forget(key)  # stale (the regions refresh) or invalidated: render as usual
            return None
        self._memos.move_to_end(key)
        return memo


class Documents(_Remembered[Memo]):
    """Remembered documents by the raw path and query they answer, and the state tags made
    for the credentials of their requesters (counted against the bound too)."""

    def remember(self, scope: Scope, head: str, tail: str, url: str,
                 shown: Mapping[str, Entry], root: str | None, ledger: Ledger) -> None:
        """Keep a document rendered for a plain hard load (a GET: never the answer to a post)
        whose regions were all fresh hits."""
        if not ledger.complete or ledger.epoch is None or not self.max_bytes \
                or scope["method"] != "GET":
            return
        key = _memo_key(scope)
        if key is None:
            return
        # (the URL is in the key, the state it signs and the text around the state)
        size = len(head) + len(tail) + 2 * (len(key[0]) + len(key[1])) + 3 * len(url) + 512
        if size > self.max_bytes // 64:
            return
        state = protocol.encoder(State(url, dict(shown), root, None), self.state_key)
        self._keep(key, Memo(head.encode(), tail.encode(), state, ledger.fresh_until,
                             ledger.epoch, size))

    async def answer(self, scope: Scope) -> ASGIApp | None:
        """The remembered document for this request, if there is one and it is still what the
        regions would render; else ``None`` (the request renders as usual)."""
        if not self._memos or scope["method"] != "GET":
            return None
        key = _memo_key(scope)
        memo = await self._fresh(key) if key is not None else None
        if memo is None:
            return None
        cookie, authorization = _credentials(scope)
        root_path = scope.get("root_path", "")
        asker = (cookie, authorization, root_path)
        tags = memo.tags.get(asker)
        if tags is None:  # the same credentials get the same state: made once for them
            bound = protocol.binding(parse_cookie_header(cookie.decode("latin-1")),
                                     authorization.decode("latin-1"), self.state_key)
            tags = client.tags(memo.state(bound), root_path).encode()
            size = _tag_size(asker, tags)
            if size <= self.max_bytes // 64:  # (else made for each request that brings them)
                if len(memo.tags) >= _TAGS_KEPT or memo.size + size > self.max_bytes // 8:
                    cleared = sum(_tag_size(asker, tags) for asker, tags in memo.tags.items())
                    memo.size -= cleared
                    self.bytes -= cleared
                    memo.tags.clear()
                memo.tags[asker] = tags
                memo.size += size
                self.bytes += size
                self._evict(keep=1)
        return _respond(_HEADERS, b"".join((memo.head, tags, memo.tail)))


class Navigations(_Remembered[Answered]):
    """Remembered soft navigations (and prefetches), by the raw path and query they go to and
    what the browser showed (:attr:`panes.core.protocol.Verified.ident`, the same for every user
    shown the same regions): answered again with only the new state's signature made for the
    requester, after its state is checked as :meth:`panes.core.protocol.Signer.read` checks it."""

    def __init__(self, cache: RegionCache, signer: protocol.Signer, max_bytes: int) -> None:
        super().__init__(cache, signer.key, max_bytes)
        self.signer = signer
        self._anonymous = protocol.binding({}, "", signer.key)

    def remember(self, scope: Scope, shown: protocol.Verified, prefetch: bool,
                 record: protocol.Patch, state: State, head: str | None,
                 ledger: Ledger) -> None:
        """Keep the answer to a soft navigation whose regions were all fresh hits: ``record``,
        whose update makes ``state`` (its head: ``head``). Not when cookies were read or set
        (the binding may change), nor when the state was not plainly sent."""
        if not ledger.complete or ledger.epoch is None or not self.max_bytes \
                or scope["method"] != "GET" or SCOPE_KEY in scope \
                or _navigation(scope)[0] is None:
            return
        key = _navigation_key(scope, shown.ident, prefetch)
        # (the HTML, its record and the state's text around the signature, and the key)
        size = 2 * sum(map(len, record.html)) + 3 * len(shown.ident) + len(key[0]) \
            + len(key[1]) + 1024
        if size > self.max_bytes // 64:
            return
        records = protocol.patch_framer(record, state, self.state_key, head)
        if records is not None:
            self._keep(key, Answered(records, ledger.fresh_until, ledger.epoch, size))

    async def answer(self, scope: Scope) -> ASGIApp | None:
        """The remembered answer to this soft navigation, or ``None`` (it renders as usual,
        and checks the state it sent as usual)."""
        if not self._memos or scope["method"] != "GET" or SCOPE_KEY in scope:
            return None  # (cookies set by middleware: the new state's binding changes)
        text, prefetch = _navigation(scope)
        if text is None:
            return None
        cookie, authorization = _credentials(scope)
        bound = self._anonymous if not cookie and not authorization else protocol.binding(
            parse_cookie_header(cookie.decode("latin-1")), authorization.decode("latin-1"),
            self.state_key)
        try:
            ident = self.signer.check(text, bound)
        except BadRequest:
            return None  # a stale, forged or malformed state: answered as usual
        memo = await self._fresh(_navigation_key(scope, ident, prefetch))
        if memo is None:
            return None
        return _respond(_RECORDS, memo.records(bound))


def _respond(headers: Sequence[tuple[bytes, bytes]], body: bytes) -> ASGIApp:
    start = {"type": "http.response.start", "status": 200,
             "headers": [*headers, (b"content-length", str(len(body)).encode())]}

    async def respond(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return respond


def _credentials(scope: Scope) -> tuple[bytes, bytes]:
    """The request's ``Cookie`` (HTTP/2 may split it in several headers) and
    ``Authorization`` headers, as sent."""
    cookies: list[bytes] = []
    authorization: bytes | None = None  # the first, as Starlette's ``headers.get`` reads it
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookies.append(value)
        elif name == b"authorization" and authorization is None:
            authorization = value
    return b"; ".join(cookies), authorization or b""


def _tag_size(asker: tuple[bytes, bytes, str], tags: bytes) -> int:
    """What a state tag kept for ``asker``'s credentials counts against the bound."""
    return len(asker[0]) + len(asker[1]) + len(asker[2]) + len(tags) + 128


_TAGS_KEPT = 256

#: What ``App.document`` sends with a document that does not stream.
_HEADERS = ((b"content-type", b"text/html; charset=utf-8"), (b"vary", b"Panes-State"))
#: What :func:`panes.http.wrappers.answer` sends with records.
_RECORDS = ((b"content-type", protocol.MEDIA_TYPE.encode()),
            (b"cache-control", protocol.PRIVATE.encode()))


_NOT_PLAIN = (b"panes-state", b"panes-target")
#: A refresh, and the click after a partial prefetch (its answer leaves out what it holds).
_NOT_REMEMBERED = (b"panes-refresh", b"panes-prefetched")


def _navigation(scope: Scope) -> tuple[str | None, bool]:
    """The state a plain soft navigation or prefetch sent (``None``: it is another request:
    a document, a restore, a refresh, a rewritten path), and whether it is a prefetch."""
    if ORIGINAL_PATH in scope:
        return None, False
    text: str | None = None
    prefetch = False
    for name, value in scope["headers"]:
        if name == b"panes-state":
            text = value.decode("latin-1") if text is None else text
        elif name in _NOT_PLAIN or name in _NOT_REMEMBERED:
            return None, False
        elif name == b"panes-prefetch":
            prefetch = prefetch or value == b"1"
        elif name == b"sec-purpose":
            prefetch = prefetch or value.startswith(b"prefetch")
    return text, prefetch


def _navigation_key(scope: Scope, ident: bytes, prefetch: bool) -> tuple[bytes, bytes, bytes,
                                                                          bool]:
    return _path_key(scope), scope.get("query_string", b""), ident, prefetch


def _path_key(scope: Scope) -> bytes:
    raw: Any = scope.get("raw_path") or scope["path"].encode()
    root: str = scope.get("root_path", "")
    return bytes(raw).split(b"?", 1)[0] + b"\0" + root.encode()


def _memo_key(scope: Scope) -> tuple[bytes, bytes] | None:
    """What a plain hard load is answered by: its path and query as sent. ``None`` for a soft
    navigation or restore, and for a path a middleware rewrote (the state would differ)."""
    if ORIGINAL_PATH in scope or any(name in _NOT_PLAIN for name, _ in scope["headers"]):
        return None
    return _path_key(scope), scope.get("query_string", b"")
