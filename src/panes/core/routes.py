"""The route table: every URL pattern an app serves, each with its plan (what every slot shows).

Built once from the route tree, following Next.js: a URL pattern is a route when a page in any
slot resolves to it; within a route, each slot shows the page on the route's own path, else the
most specific catch-all in that slot that covers the route, else its ``default.py``, else nothing
(``missing``: a 404 when the layout places it). Pages under interception folders serve no route
of their own. Conflicts (two pages for one URL in one slot) are found here, never per request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from panes.core.errors import Problem, ref
from panes.core.plan import Branch, Leaf, Outcome, ParamSpec
from panes.core.segments import RANK, Kind, Segment
from panes.core.tree import CHILDREN, Node

Chain = tuple[Node, ...]  # the folders from the app directory down to a page's folder
#: The catch-all pages' chains by each folder they pass, then by the static URL segment that
#: follows that folder in them (None: a dynamic one), so a slot looks only at those that fit.
CatchAllIndex = Mapping[Node, Mapping[str | None, Sequence[Chain]]]
PatternKey = tuple[tuple[Kind, str], ...]


class _Patterned:
    """A record served at a URL pattern: its path as users write it, and its key."""

    __slots__ = ()
    pattern: tuple[Segment, ...]

    @property
    def path(self) -> str:
        return pattern_path(self.pattern)

    @property
    def key(self) -> PatternKey:
        return pattern_key(self.pattern)


@dataclass(frozen=True, eq=False, slots=True)
class Route(_Patterned):
    """One URL pattern (``/projects/[id]``) and what each slot shows for it on a hard load."""

    pattern: tuple[Segment, ...]
    plan: Branch

    def __repr__(self) -> str:
        return f"Route({self.path!r})"


def pattern_path(pattern: Sequence[Segment]) -> str:
    """A URL pattern as users write it: ``/projects/[id]``."""
    return "/" + "/".join(s.pattern for s in pattern)


def url_segments(chain: Chain) -> tuple[Segment, ...]:
    return tuple(n.segment for n in chain if n.segment.is_url)


def pattern_key(pattern: Sequence[Segment]) -> PatternKey:
    """Two patterns are the same route when they differ only in parameter names."""
    return tuple((s.kind, s.value if s.kind is Kind.STATIC else "") for s in pattern)


def rank(pattern: Sequence[Segment]) -> tuple[int, ...]:
    """Specificity, compared left to right: lower is more specific."""
    return tuple(RANK[s.kind] for s in pattern)


def page_chains(root: Node) -> Iterator[Chain]:
    """The folder chain of every page that serves a route (none below an interception folder)."""

    def walk(node: Node, chain: Chain) -> Iterator[Chain]:
        chain = (*chain, node)
        if node.files.get("page"):
            yield chain
        for child in node.children:
            if child.segment.intercept is None:
                yield from walk(child, chain)
        for holder in node.slots.values():
            yield from walk(holder, chain)

    return walk(root, ())


def covers(candidate: Sequence[Segment], route: Sequence[Segment]) -> bool:
    """Whether a catch-all pattern matches every URL that ``route`` matches."""
    for i, seg in enumerate(candidate):
        if seg.kind is Kind.OPTIONAL_CATCH_ALL:
            return True
        rest = route[i:]
        if seg.kind is Kind.CATCH_ALL:
            return bool(rest) and rest[0].kind is not Kind.OPTIONAL_CATCH_ALL
        if not rest:
            return False
        other = rest[0]
        if seg.kind is Kind.STATIC and not (other.kind is Kind.STATIC and other.value == seg.value):
            return False
        if seg.kind is Kind.DYNAMIC and other.kind not in (Kind.STATIC, Kind.DYNAMIC):
            return False
    return len(candidate) == len(route)


def overlaps(a: Sequence[Segment], b: Sequence[Segment]) -> bool:
    """Whether some URL matches both patterns (a catch-all is their last segment)."""
    for i in range(max(len(a), len(b)) + 1):
        rest_a, rest_b = a[i:], b[i:]
        if rest_a and rest_a[0].is_catch_all:
            return _longest(rest_b) >= _shortest(rest_a)
        if rest_b and rest_b[0].is_catch_all:
            return _longest(rest_a) >= _shortest(rest_b)
        if not rest_a or not rest_b:
            return not rest_a and not rest_b
        x, y = rest_a[0], rest_b[0]
        if x.kind is Kind.STATIC and y.kind is Kind.STATIC and x.value != y.value:
            return False
    return True  # pragma: no cover - the loop always returns


def _shortest(pattern: Sequence[Segment]) -> int:
    """How few URL segments the pattern matches."""
    return sum(s.kind is not Kind.OPTIONAL_CATCH_ALL for s in pattern)


def _longest(pattern: Sequence[Segment]) -> float:
    """How many URL segments the pattern matches at most."""
    return float("inf") if any(s.is_catch_all for s in pattern) else len(pattern)


class _PlanBuilder:
    """Builds the plan of one route from the chains of its pages (see the module docstring)."""

    def __init__(self, pattern: tuple[Segment, ...], catch_alls: CatchAllIndex,
                 problems: list[Problem]) -> None:
        self.pattern = pattern
        self.catch_alls = catch_alls
        self.problems = problems

    def branch(self, node: Node, depth: int, pos: int, params: ParamSpec,
               chains: Sequence[Chain]) -> Branch:
        slots: dict[str, Outcome] = {CHILDREN: self.slot(node, None, depth, pos, params, chains)}
        for key, holder in node.slots.items():
            slots[key] = self.slot(node, holder, depth, pos, params, chains)
        return Branch(node, params, MappingProxyType(slots))

    def slot(self, parent: Node, holder: Node | None, depth: int, pos: int, params: ParamSpec,
             chains: Sequence[Chain]) -> Outcome:
        """What fills slot ``holder`` of ``parent`` (``None`` for children)."""
        mine = [c for c in chains if _in_slot(c, depth, holder)]
        why = "page on this URL"
        if not mine:
            best = self._best_catch_all(parent, holder, depth, pos)
            if best is None:
                return self._fallback(parent, holder, params)
            mine, why = [best], "catch-all: no page in this slot serves this URL"
        if holder is not None:
            return self.branch(holder, depth + 1, pos, params, mine)
        ends_here = [c for c in mine if len(c) == depth + 1]
        nexts = _group_by(mine, depth + 1)
        # Two pages in one slot for one URL are an error; a page that reaches the URL only
        # through a named slot further down yields silently to the other (as in Next.js).
        direct = [c for c in mine if not any(n.segment.kind is Kind.SLOT for n in c[depth + 1:])]
        if len(direct) > 1:
            self._conflict(direct)
        if ends_here:
            file = parent.files.get("page")
            return Leaf("page", parent, file, params, why)
        child, child_chains = next(iter(nexts.items()))
        seg = child.segment
        child_params = params.add(seg.value, pos, seg.is_catch_all) if seg.is_param else params
        return self.branch(child, depth + 1, pos + seg.is_url, child_params, child_chains)

    def _fallback(self, parent: Node, holder: Node | None, params: ParamSpec) -> Leaf:
        where = holder if holder is not None else parent
        default = where.files.get("default")
        if default:
            return Leaf("default", where, default, params,
                        "default: no page in this slot serves this URL")
        name = f"@{holder.segment.value}" if holder is not None else "children"
        return Leaf("missing", where, None, params,
                    f"404: no page in {name} serves this URL and it has no default.py")

    def _best_catch_all(self, parent: Node, holder: Node | None, depth: int,
                        pos: int) -> Chain | None:
        best: Chain | None = None
        best_rank: tuple[int, ...] = ()
        below = self.catch_alls.get(parent, {})
        after = self.pattern[pos] if pos < len(self.pattern) else None
        candidates = below.get(None, [])
        if after is not None and after.kind is Kind.STATIC:
            candidates = [*below.get(after.value, []), *candidates]
        for chain in candidates:
            if len(chain) <= depth or chain[depth] is not parent:
                continue
            if not _in_slot(chain, depth, holder):
                continue
            rest = url_segments(chain[depth + 1:])
            if holder is None and len(chain) == depth + 1:
                rest = ()  # the parent's own page: it consumed its catch-all already
            if not covers(rest, self.pattern[pos:]):
                continue
            if best is None or rank(rest) < best_rank:
                best, best_rank = chain, rank(rest)
        return best

    def _conflict(self, chains: Sequence[Chain]) -> None:
        files = sorted(c[-1].files.get("page") or "" for c in chains)
        self.problems.append(Problem(
            files[0],
            f"pages {' and '.join(map(ref, files))} resolve to the same URL "
            f"/{'/'.join(s.pattern for s in self.pattern)} in the same slot",
            "delete one, or move it to another URL or slot",
        ))


def _in_slot(chain: Chain, depth: int, holder: Node | None) -> bool:
    """Whether a chain through ``chain[depth]`` continues in ``holder`` (None: children)."""
    if holder is not None:
        return len(chain) > depth + 1 and chain[depth + 1] is holder
    return len(chain) == depth + 1 or chain[depth + 1].segment.kind is not Kind.SLOT


def _group_by(chains: Sequence[Chain], index: int) -> dict[Node, list[Chain]]:
    groups: dict[Node, list[Chain]] = defaultdict(list)
    for chain in sorted(chains, key=lambda c: sum(n.segment.kind is Kind.SLOT for n in c)):
        if len(chain) > index:
            groups[chain[index]].append(chain)
    return groups


def build_routes(root: Node) -> tuple[list[Route], list[Problem]]:
    """Every route of the tree, most specific first, and the conflicts found on the way."""
    by_key: dict[PatternKey, list[Chain]] = defaultdict(list)
    catch_alls: dict[Node, dict[str | None, list[Chain]]] = defaultdict(lambda: defaultdict(list))
    for chain in page_chains(root):
        pattern = url_segments(chain)
        by_key[pattern_key(pattern)].append(chain)
        if pattern and pattern[-1].is_catch_all:
            for depth, node in enumerate(chain):
                rest = url_segments(chain[depth + 1:])
                first = rest[0].value if rest and rest[0].kind is Kind.STATIC else None
                catch_alls[node][first].append(chain)
    problems: list[Problem] = []
    routes = [Route(url_segments(chains[0]), build_plan(root, chains, catch_alls, problems))
              for chains in by_key.values()]
    routes.sort(key=lambda r: (rank(r.pattern), r.path))
    return routes, _unique(problems)


def build_plan(root: Node, chains: Sequence[Chain], catch_alls: CatchAllIndex,
               problems: list[Problem]) -> Branch:
    """The plan of the route the ``chains`` (pages of one URL pattern) serve."""
    builder = _PlanBuilder(url_segments(chains[0]), catch_alls, problems)
    return builder.branch(root, 0, 0, ParamSpec(), chains)


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def not_found_plan(root: Node) -> Branch:
    """The plan for a URL no route serves: the root's not_found UI, its named slots' defaults."""
    slots: dict[str, Outcome] = {
        CHILDREN: Leaf("not_found", root, root.files.get("not_found"), ParamSpec(),
                       "no route serves this URL"),
    }
    for key, holder in root.slots.items():
        default = holder.files.get("default")
        slots[key] = (Leaf("default", holder, default, ParamSpec(), "default") if default
                      else Leaf("empty", holder, None, ParamSpec(), "no default.py"))
    return Branch(root, ParamSpec(), MappingProxyType(slots))


@dataclass(frozen=True, eq=False, slots=True)
class HandlerRoute(_Patterned):
    """A URL pattern served by a ``route.py`` (route handlers) instead of pages."""

    pattern: tuple[Segment, ...]
    file: str
    params: ParamSpec

    def __repr__(self) -> str:
        return f"HandlerRoute({self.path!r}, {self.file!r})"


def handler_routes(root: Node) -> list[HandlerRoute]:
    """Every ``route.py`` that serves a URL, most specific first. Those inside a slot or an
    interception folder serve none (``panes check`` reports them)."""

    def walk(node: Node, pattern: tuple[Segment, ...], params: ParamSpec) -> Iterator[HandlerRoute]:
        seg = node.segment
        if seg.is_url:
            if seg.is_param:
                params = params.add(seg.value, len(pattern), seg.is_catch_all)
            pattern = (*pattern, seg)
        file = node.files.get("route")
        if file:
            yield HandlerRoute(pattern, file, params)
        for child in node.children:
            if child.segment.intercept is None:
                yield from walk(child, pattern, params)

    found = list(walk(root, (), ParamSpec()))
    found.sort(key=lambda r: (rank(r.pattern), r.path))
    return found
