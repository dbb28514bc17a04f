"""Everything ``panes check`` reports, gathered in one :class:`Analysis` of the app directory.

The App, ``panes check`` and ``panes routes`` all start from :func:`analyze`, so a server never
starts on an app directory that ``panes check`` rejects, and both say the same thing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from panes.appdir.loader import Loaded, load
from panes.appdir.public import public_paths
from panes.appdir.scan import scan
from panes.core.errors import Problem, ref
from panes.core.intercept import Interception, build_interceptions
from panes.core.kinds import PER_REQUEST, ROUTABLE
from panes.core.plan import Leaf, Outcome, leaves
from panes.core.resolve import document_layout
from panes.core.routes import HandlerRoute, Route, build_routes, handler_routes
from panes.core.segments import Kind
from panes.core.tree import CHILDREN, Node


@dataclass(frozen=True, slots=True)
class Analysis:
    app_dir: Path
    root: Node
    routes: tuple[Route, ...]
    interceptions: tuple[Interception, ...]
    loaded: Loaded
    problems: tuple[Problem, ...]
    handlers: tuple[HandlerRoute, ...] = ()

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")


def analyze(app_dir: str | Path) -> Analysis:
    """Scan, build the routes, import the user's files and run every check."""
    base = Path(app_dir).resolve()
    scanned = scan(base)
    root = scanned.root
    routes, route_problems = build_routes(root)
    interceptions, interception_problems = build_interceptions(root, routes)
    handlers = handler_routes(root)
    loaded = load(base, root)
    problems = [
        *scanned.problems,
        *_tree_problems(root),
        *route_problems,
        *interception_problems,
        *_handler_problems(root, routes, handlers),
        *_public_problems(base.parent / "public", routes, handlers),
        *loaded.problems,
        *_slot_warnings(root, loaded),
        *_missing_default_warnings(routes, loaded),
        *_title_warnings(base, root),
        *_root_layout_problems(base, root, routes),
        *_cache_problems(loaded),
    ]
    shown = tuple(_as_typed(p, base.name) for p in problems)
    return Analysis(base, root, tuple(routes), tuple(interceptions), loaded, shown,
                    tuple(handlers))


def _handler_problems(root: Node, routes: Sequence[Route],
                      handlers: Sequence[HandlerRoute]) -> Iterator[Problem]:
    """route.py answers a URL instead of pages: never inside a slot or an interception folder,
    never at a URL that a page serves."""
    for node in root.walk():
        file = node.files.get("route")
        if file is None:
            continue
        parts = node.path.split("/")
        slot = next((p for p in parts if p.startswith("@")), None)
        if slot is not None:
            yield Problem(file, f"route.py cannot be inside a slot ({slot}): a route handler "
                          "answers the whole request, not a part of the page",
                          f"move it out of {slot}, to the folder of its URL outside any slot")
        elif any(p.startswith("(.") for p in parts):
            yield Problem(file, "route.py cannot be inside an interception folder: a route "
                          "handler is never intercepted",
                          "move it to the folder of its URL outside the interception folder")
    pages = {route.key: route for route in routes}
    for handler in handlers:
        route = pages.get(handler.key)
        if route is None:
            continue
        page = next((leaf.file for _, leaf in leaves(route.plan) if leaf.kind == "page"
                     and leaf.file), None)
        where = f" ({ref(page)})" if page else ""
        yield Problem(handler.file, f"route.py and a page{where} serve the same URL "
                      f"{handler.path}", "keep one: move the route handler to another URL "
                      "(such as /api/...), or the page")


def _public_problems(public: Path, routes: Sequence[Route],
                     handlers: Sequence[HandlerRoute]) -> Iterator[Problem]:
    """A file of public/ is served before any page: a page at its URL would never be seen."""
    static = [(r.path, next((leaf.file for _, leaf in leaves(r.plan)
                             if leaf.kind == "page" and leaf.file), None))
              for r in routes if all(s.kind is Kind.STATIC for s in r.pattern)]
    static += [(h.path, h.file) for h in handlers
               if all(s.kind is Kind.STATIC for s in h.pattern)]
    if not static:
        return
    files = public_paths(public)
    for url, file in static:
        if url in files:
            yield Problem(file or "", f"public/{url.lstrip('/')} and this file serve the "
                          f"same URL {url}: the public file is always served first",
                          "rename or move one of them")


def _as_typed(problem: Problem, app: str) -> Problem:
    """Name files as the user would type them from the app's parent: ``app/@team/page.py``."""

    def show(text: str) -> str:
        return _REF.sub(lambda m: f"{app}/{m.group(1)}" if m.group(1) else app, text)

    return Problem(show(ref(problem.path)), show(problem.message), show(problem.fix),
                   problem.severity, problem.cause)


_REF = re.compile("\x1f([^\x1f]*)\x1f")


def _url_children(node: Node) -> Iterator[Node]:
    """The folders that give the next URL segment below ``node``, looking through groups."""
    for child in node.children:
        if child.segment.kind is Kind.GROUP:
            yield from _url_children(child)
        elif child.segment.intercept is None:
            yield child


def _tree_problems(root: Node) -> Iterator[Problem]:
    yield from _level_problems(root)
    yield from _interception_problems(root, 0)


def _level_problems(root: Node) -> Iterator[Problem]:
    for node in root.walk():
        if node.segment.kind is Kind.GROUP and node is not root:
            continue  # its URL children are checked with the folder above it
        by_kind: dict[Kind, list[Node]] = defaultdict(list)
        for child in _url_children(node):
            by_kind[child.segment.kind].append(child)
        for kind in (Kind.DYNAMIC, Kind.CATCH_ALL, Kind.OPTIONAL_CATCH_ALL):
            first: dict[str, str] = {}
            for child in by_kind[kind]:
                first.setdefault(child.segment.name, child.path)
            if len(first) > 1:
                yield Problem(
                    next(iter(first.values())),
                    f"{' and '.join(map(ref, first.values()))} give one URL segment different "
                    "parameter names",
                    "use one parameter name for all of them",
                )
        if by_kind[Kind.CATCH_ALL] and by_kind[Kind.OPTIONAL_CATCH_ALL]:
            a, b = by_kind[Kind.CATCH_ALL][0], by_kind[Kind.OPTIONAL_CATCH_ALL][0]
            yield Problem(
                b.path,
                f"a catch-all ({ref(a.path)}) and an optional catch-all ({ref(b.path)}) "
                "at one level",
                "keep one: [[...x]] already matches what [...x] does, plus the folder itself",
            )
        if node.segment.is_catch_all:
            # Only folders that lead to a page count: a helper folder (components/) may sit
            # below a catch-all, as in Next.js, where only routable files make segments.
            below = [n for n in node.walk()
                     if n is not node and n.segment.is_url and _routable(n)]
            if below:
                yield Problem(
                    below[0].path,
                    f"the catch-all {node.segment.name} must be the last URL segment, "
                    f"but {below[0].segment.name} follows it",
                    f"move {below[0].segment.name} out of {ref(node.path)}",
                )


def _routable(node: Node) -> bool:
    """Whether a page (or a route handler) lies in ``node`` or below it."""
    return any(n.files.get(kind) for n in node.walk() for kind in ROUTABLE)


def _interception_problems(node: Node, depth: int) -> Iterator[Problem]:
    """``depth`` counts the URL segments above ``node`` (groups and slots do not count)."""
    for child in (*node.children, *node.slots.values()):
        levels = child.segment.intercept
        if levels is not None and levels > depth:
            yield Problem(
                child.path,
                f"the marker in {child.segment.name} climbs {levels} level(s) but only "
                f"{depth} URL segment(s) lie above it",
                "use (.) for the same level, or (...) for the app root",
            )
        yield from _interception_problems(child, depth + child.segment.is_url)


def _slot_warnings(root: Node, loaded: Loaded) -> Iterator[Problem]:
    for node in root.walk():
        if not node.slots:
            continue
        layout = node.files.get("layout")
        if layout and layout not in loaded.functions:
            continue  # its own error is reported already
        declared = declared_slots(node, loaded)
        for key, holder in node.slots.items():
            if key in declared:
                continue
            where = layout or f"{node.path}/layout.py".lstrip("/")
            arg = key.replace("-", "_")
            yield Problem(
                holder.path,
                f"no layout at this level places slot @{key}, so it never renders",
                f"declare `{arg}` in {ref(where)} and place it, "
                "or rename the folder if it is a typo",
                "warning",
            )


def _missing_default_warnings(routes: Sequence[Route], loaded: Loaded) -> Iterator[Problem]:
    urls: dict[str, list[str]] = defaultdict(list)
    holders: dict[str, Node] = {}
    for route in routes:
        for label, leaf in declared_leaves(route.plan, loaded):
            if leaf.kind == "missing" and leaf.node.segment.kind is Kind.SLOT:
                urls[label].append(route.path)
                holders[label] = leaf.node
    for label, paths in urls.items():
        holder = holders[label]
        yield Problem(
            holder.path,
            f"@{holder.segment.value} has no page and no default.py for {', '.join(paths)}: "
            "a hard load of these URLs is a 404",
            f"add {ref(holder.path + '/default.py')} (return None to show nothing)",
            "warning",
        )


def _cache_problems(loaded: Loaded) -> Iterator[Problem]:
    """A cached region is shared by every user: a function that reads the request, the cookies
    or an action's result renders something per request, and caching it would show one user's
    page (or the result of their post) to the others."""
    for file, fn in loaded.functions.items():
        if not fn.constants.get("revalidate", 0) > 0:
            continue
        per_user = sorted(fn.wants & PER_REQUEST)
        if fn.takes_all:
            per_user = [f"**kwargs (which receives {', '.join(sorted(PER_REQUEST))})"]
        if per_user:
            name = file.rsplit("/", 1)[-1].removesuffix(".py")
            yield Problem(
                file,
                f"revalidate caches what {name}() renders for every user, but {name}() "
                f"declares {' and '.join(per_user)}: one user's page (or the result of their "
                "action) would be shown to others",
                "remove revalidate, or move what depends on the request into an uncached "
                "slot and cache the parts that are the same for everyone")


def declared_leaves(outcome: Outcome, loaded: Loaded) -> Iterator[tuple[str, Leaf]]:
    """The leaves of a plan in slots that their layouts declare (the ones that can render)."""
    return leaves(outcome, lambda node, key: key in declared_slots(node, loaded))


def declared_slots(node: Node, loaded: Loaded) -> frozenset[str]:
    """The slots a folder's layout (or template) may place; without either, only children."""
    files = [f for f in (node.files.get("layout"), node.files.get("template")) if f]
    if not files:
        return frozenset({CHILDREN})
    return frozenset().union(*(loaded.declared_slots.get(f, frozenset()) for f in files))


#: ``<title`` in a string, or htpy's ``title[...]``.
_OWN_TITLE = re.compile(r"<title[\s>]|\btitle\s*\[", re.IGNORECASE)
_OWN_VIEWPORT = re.compile(r"""name\s*=\s*["']viewport["']""", re.IGNORECASE)


def _title_warnings(app_dir: Path, root: Node) -> Iterator[Problem]:
    """A layout that writes its own ``<title>``: it would not follow soft navigations."""
    for node in root.walk():
        layout = node.files.get("layout")
        if layout is None:
            continue
        try:
            source = (app_dir / layout).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if _OWN_TITLE.search(source):
            yield Problem(
                layout,
                "it writes its own <title>, which does not follow soft navigations "
                "(panes drops it when metadata gives a title)",
                'remove it and set `metadata = {"title": {"template": "%s | Site", '
                '"default": "Site"}}` in the layout (docs/metadata.md)',
                "warning",
            )
        if _OWN_VIEWPORT.search(source):
            yield Problem(
                layout,
                'it writes its own <meta name="viewport">, which panes replaces with the one '
                "it writes from `viewport` (default width=device-width, initial-scale=1)",
                'remove it; set `viewport = {"initialScale": 1, ...}` in the layout to change it',
                "warning",
            )


#: ``<html`` in a string, or htpy's ``html[...]`` / ``html(lang=...)``: a layout that writes the
#: document.
_WRITES_HTML = re.compile(r"<html[\s>]|\bhtml\s*[\[(]", re.IGNORECASE)


def _root_layout_problems(app_dir: Path, root: Node,
                          routes: Sequence[Route]) -> Iterator[Problem]:
    """Root layouts, one or several (one per route group, with no ``app/layout.py``): a layout
    that writes ``<html>`` inside another's document, and, once some layout writes the
    document, a page with no root layout above it, are errors."""
    writes: dict[str, bool] = {}

    def writes_html(file: str) -> bool:
        if file not in writes:
            try:
                source = (app_dir / file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                source = ""
            writes[file] = bool(_WRITES_HTML.search(source))
        return writes[file]

    def walk(node: Node, above: str | None) -> Iterator[Problem]:
        layout = node.files.get("layout")
        if layout is not None and above is not None and writes_html(layout):
            yield Problem(
                layout,
                f"it writes <html>, but {ref(above)} above it renders the document of its "
                "pages already: they would hold a second <html> inside <body>",
                f"return the content without <html> and <body>, or, for a document of its "
                f"own, remove {ref(above)} and give each route group its own root layout "
                "(multiple root layouts)")
        for child in (*node.children, *node.slots.values()):
            yield from walk(child, layout or above)

    yield from walk(root, None)
    if root.files.get("layout") is not None:
        return
    documents = sorted({d for r in routes if (d := document_layout(r.plan)) and writes_html(d)})
    if not documents:
        return  # no layout writes the document: panes's own document holds every page
    for kind in ("template", "loading"):
        file = root.files.get(kind)
        if file is not None:
            yield Problem(
                file,
                f"it would wrap the documents that {' and '.join(map(ref, documents))} write, "
                "from outside their <html>",
                f"move it into each route group, beside its root layout "
                f"(app/(group)/{kind}.py)")
    for route in routes:
        if document_layout(route.plan) is not None:
            continue
        page = next((leaf.file for _, leaf in leaves(route.plan)
                     if leaf.kind == "page" and leaf.file), None)
        yield Problem(
            page or route.path,
            f"no root layout is above it, while {' and '.join(map(ref, documents))} "
            f"write the document of the other pages: {route.path} would be shown in "
            "panes's minimal document instead, without their head and <html>",
            "move it into a route group that has a root layout (app/(site)/...), or add a "
            "layout.py that writes <html> in a folder above it")
