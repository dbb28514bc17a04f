"""What every render of one app shares (:class:`Site`: its functions, what is known of them,
made once, and what it keeps across requests), and what one request gives the functions it
calls (:class:`Arguments`). The renderer (:mod:`panes.render`) walks a resolution with them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request

from panes.appdir.loader import UserFunction
from panes.cache.region import Ledger
from panes.core import diff
from panes.core.kept import Kept, size_of
from panes.core.plan import Branch, Leaf, Outcome, ParamSpec
from panes.core.state import Entry, Source, entry_for, root_entry
from panes.core.tree import CHILDREN, Node
from panes.render.caching import Regions
from panes.render.cookies import cookies_for
from panes.render.forms import action_id
from panes.render.heads import Heads


@dataclass(frozen=True, eq=False)
class Site:
    """What every render of one app shares: its functions, what is known of them (made once,
    not per request), its cache and its settings."""

    functions: Mapping[str, UserFunction]
    regions: Regions | None = None
    slot_timeout: float | None = None
    dev: bool = False
    app_name: str = "app"
    #: which files make heads, and the constant heads made so far
    heads: Heads = field(init=False)
    #: the files whose rendering may wait: an async function, or a cached region
    waiting: frozenset[str] = field(init=False)
    #: the pages that define ``action()``, each with the id its forms carry (``render/forms``)
    actions: Mapping[str, str] = field(init=False)
    #: the same, from the id to the page
    action_pages: Mapping[str, str] = field(init=False)
    _entries: Kept[tuple[Outcome, str, str | None, bool, bool], Entry] = field(
        default_factory=Kept, init=False, repr=False)
    _waits: Kept[Outcome, bool] = field(default_factory=Kept, init=False, repr=False)
    _restores: Kept[tuple[Node, str], bool] = field(default_factory=Kept, init=False, repr=False)
    _digested: Kept[tuple[int, str], tuple[Entry, Entry]] = field(
        default_factory=Kept, init=False, repr=False)
    #: the digests of regions' HTML (see :class:`panes.core.diff.Digests`)
    digests: diff.Digests = field(default_factory=diff.Digests)

    def entry(self, outcome: Outcome, src: Source, restore: bool = False,
              root: bool = False) -> Entry:
        """What a region showing ``outcome`` from ``src`` shows (``root``: the document's own
        entry), made once per outcome and URL: plans are the app's, entries never change."""
        key = (outcome, src.url, src.via, restore, root)  # (the URL makes the segments)
        found = self._entries.get(key)
        if found is None:
            if root:
                assert isinstance(outcome, Branch)
                found = root_entry(outcome, src)
            else:
                found = entry_for(outcome, src, restore)
            self._entries.keep(key, found, _size(found))
        return found

    def may_wait(self, outcome: Outcome) -> bool:
        """Whether rendering ``outcome`` may wait: an async function or a cached region in
        it. Only those get a task of their own (see :func:`gather`), and a timeout. Plans are
        the app's: each is looked at once."""
        found = self._waits.get(outcome)
        if found is None:
            if isinstance(outcome, Leaf):
                found = outcome.file in self.waiting
            else:
                found = (any(file in self.waiting for file in outcome.node.files.values())
                         or any(self.may_wait(inner) for inner in outcome.slots.values()))
            self._waits.keep(outcome, found)
        return found

    def with_digest(self, entry: Entry, digest: str) -> Entry:
        """``entry.with_digest(digest)``, made once for an entry this site keeps and HTML it
        saw before (the same region sending the same HTML again)."""
        key = (id(entry), digest)  # (the entry is kept with it: the id stays the entry's)
        found = self._digested.get(key)
        if found is not None:
            return found[1]
        return self._digested.keep(key, (entry, entry.with_digest(digest)), _size(entry))[1]

    def restores(self, node: Node, rid: str) -> bool:
        """Whether region ``rid``, a slot of the folder ``node``, shows a ``default.py`` that
        says ``RESTORE`` (see docs/reference.md)."""
        found = self._restores.get((node, rid))
        if found is None:
            key = rid.rsplit("/", 1)[-1]
            holder = node if key == CHILDREN else node.slots.get(key)
            default = holder.files.get("default") if holder is not None else None
            found = self._restores.keep((node, rid), default is not None and bool(
                self.functions[default].constant("RESTORE")))
        return found

    def __post_init__(self) -> None:
        pages = [key.rpartition(":")[0] for key in self.functions if key.endswith(":action")]
        object.__setattr__(self, "actions", {page: action_id(page) for page in pages})
        object.__setattr__(self, "action_pages", {action_id(page): page for page in pages})
        heads = Heads(self.functions)
        object.__setattr__(self, "heads", heads)
        object.__setattr__(self, "waiting", frozenset(
            file for file, fn in self.functions.items()
            if fn.is_async or any(m is not None and m.is_async for m in heads.of(file))
            or (self.regions is not None and self.regions.specs.get(file) is not None)))


def _size(entry: Entry) -> int:
    """The bytes of text an entry holds (its URLs and segments come from the request)."""
    return size_of(entry.url, entry.via, *entry.segments)


class Arguments:
    """What one request gives the functions it calls: the arguments they may declare, and the
    ledger that notes that user code ran. Apart from the :class:`Renderer`, so that what holds
    these (its metadata evaluations) does not hold the renderer: a request leaves no reference
    cycle behind, nothing for the garbage collector to find."""

    def __init__(self, request: Request, state: Mapping[str, Any] | None, action_result: Any,
                 app_name: str) -> None:
        self.request = request
        self.state = state if state is not None else {}
        self.action_result = action_result  # after an action: its result, for every function
        self.app_name = app_name
        self.ledger = Ledger()
        self._query = request.scope.get("query_string", b"").decode("latin-1")
        self._query_params: QueryParams | None = None  # the request's, parsed when asked for
        self._paths: dict[str, str] = {}  # each URL's ``pathname``, decoded once

    def invoke(self, fn: UserFunction, file: str, available: Mapping[str, Any]) -> Any:
        """Call a user function of ``file`` with the arguments it declared."""
        if not fn.value:
            self.ledger.complete = False  # a user function ran: this response is not all cached
        if fn.per_call:
            # rendering may be streaming already: the cookies are read-only, naming the file
            available = {**available, "state": self.state,
                         "cookies": cookies_for(self.request, f"{self.app_name}/{file}")}
        if fn.takes_all:
            return fn.func(**available)
        return fn.func(**{name: available[name] for name in fn.wants if name in available})

    def pathname(self, src: Source) -> str:
        """The path inside the app of the URL ``src`` renders (``/login``, decoded)."""
        found = self._paths.get(src.url)
        if found is None:
            found = self._paths[src.url] = src.pathname
        return found

    def available(self, params: ParamSpec, src: Source, layout: bool = False) -> dict[str, Any]:
        """The arguments a file's function may declare (a layout gets no ``search_params``)."""
        available: dict[str, Any] = {
            "params": params.bind(src.segments) if params.entries else {},
            "request": self.request, "action_result": self.action_result,
            "pathname": self.pathname(src)}
        if not layout:
            if src.query != self._query:
                available["search_params"] = QueryParams(src.query)
            else:
                if self._query_params is None:
                    self._query_params = self.request.query_params
                available["search_params"] = self._query_params
        return available
