"""What every render of one app shares (:class:`Site`): its functions, what is known of them,
made once, and what it keeps across requests. The renderer (:mod:`panes.render.render`) walks a
resolution with it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from panes.appdir.loader import UserFunction, slot_argument
from panes.core import diff
from panes.core.kept import Kept, size_of
from panes.core.plan import Branch, Leaf, Outcome
from panes.core.state import Entry, Source, entry_for, join, root_entry
from panes.core.tree import CHILDREN, Node
from panes.render.caching import Regions
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
    #: the argument each slot key is given as (``@side-panel``: ``side_panel``), by key
    slot_names: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _entries: Kept[tuple[Outcome, str, str | None, bool, bool], Entry] = field(
        default_factory=Kept, init=False, repr=False)
    _waits: Kept[Outcome, bool] = field(default_factory=Kept, init=False, repr=False)
    _slots: Kept[tuple[Branch, str], tuple[tuple[str, str, bool], ...]] = field(
        default_factory=Kept, init=False, repr=False)
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

    def slots(self, branch: Branch, region: str) -> tuple[tuple[str, str, bool], ...]:
        """Each slot of ``branch`` rendered in ``region``: its key, its region and whether it
        may wait (see :meth:`may_wait`), made once per plan and place."""
        key = (branch, region)
        found = self._slots.get(key)
        if found is None:
            found = self._slots.keep(key, tuple(
                (slot, join(region, slot), self.may_wait(outcome))
                for slot, outcome in branch.slots.items()), size_of(region))
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

    def with_digests(self, entries: Sequence[Entry], owns: list[str]) -> list[Entry]:
        """Each entry with the digest of its region's own HTML (see :meth:`with_digest`)."""
        return [self.with_digest(entry, digest)
                for entry, digest in zip(entries, self.digests.many(owns), strict=True)]

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


def template_slots(fn: UserFunction, node: Node) -> frozenset[str]:
    """The slots of ``node`` that its ``template.py`` places: those its function declares
    (the layout places the others)."""
    return frozenset(key for key in (CHILDREN, *node.slots)
                     if fn.takes_all or slot_argument(key) in fn.wants)
