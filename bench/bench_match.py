"""Matching benchmark: panes's segment trie against itself at 10 … 10,000 routes, and against
Starlette's linear route list at the same sizes.

Every tree is a real app directory (empty files in a temporary directory) with a root layout
and two named slots, read by ``panes.appdir.scan.scan`` → ``panes.core.routes.build_routes`` →
``panes.core.match.Matcher``. The bulk of the routes are nested static and dynamic folders with a
catch-all per section::

    app/layout.py  app/page.py  app/default.py
    app/@team/{page,default}.py           app/@team/settings/page.py
    app/@analytics/{page,default}.py      app/@analytics/{views,visitors}/page.py
    app/section{i}/page.py
    app/section{i}/item{j}/page.py
    app/section{i}/item{j}/[id]/page.py
    app/section{i}/files/[...path]/page.py

Each size is timed on a fixed mix of URLs of the same shape (depth 2 to 5: a static page, a
dynamic page, a catch-all, a page of a slot), picked in sections spread evenly over the tree, so
that the Starlette list is scanned to the same relative depth at every size.

Starlette is timed doing what its ``Router`` does per request, without sending a response: walk
``router.routes`` calling ``route.matches(scope)`` until ``Match.FULL``, then merge the child
scope. Its routes are panes's own patterns in panes's order (most specific first), with
``[id]`` → ``{id}`` and ``[...slug]`` → ``{slug:path}``.

Targets (ratios measured in this run):
  * time per match at 10,000 routes ≤ 2 × the time at 100 routes;
  * at 1,000 routes, panes matches ≥ 10 × faster than Starlette.
"""

from __future__ import annotations

import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path

from starlette.routing import Match, Route, Router

from panes.appdir.scan import scan
from panes.core.match import Matcher, split_path
from panes.core.routes import build_routes
from panes.core.segments import Kind

SIZES = (10, 100, 1_000, 10_000)
ITEMS_PER_SECTION = 4
# routes per section: section page + (item page + item/[id] page) × items + files catch-all
ROUTES_PER_SECTION = 1 + 2 * ITEMS_PER_SECTION + 1
BASE_ROUTES = 4  # /, /settings, /views, /visitors
REPEAT = 5
TARGET_SECONDS = 0.2  # per timing sample

MAX_SCALING = 2.0  # t(10,000) / t(100)
MIN_SPEEDUP = 10.0  # starlette / panes at 1,000


# --- app trees ----------------------------------------------------------------------------

BASE_FILES = (
    "layout.py",
    "page.py",
    "default.py",
    "@team/page.py",
    "@team/default.py",
    "@team/settings/page.py",
    "@analytics/page.py",
    "@analytics/default.py",
    "@analytics/views/page.py",
    "@analytics/visitors/page.py",
)


def tree_files(n_routes: int) -> list[str]:
    """File paths (relative to the app directory) of an app serving exactly ``n_routes``."""
    files = list(BASE_FILES)
    budget = n_routes - BASE_ROUTES
    i = 0
    while budget > 0:
        section = f"section{i}"
        last = ITEMS_PER_SECTION - 1
        # the pages that the URL mix visits come first, so that even a partial section has them
        pages = [
            f"{section}/item1/[id]/page.py",
            f"{section}/item{last}/page.py",
            f"{section}/files/[...path]/page.py",
            f"{section}/page.py",
        ]
        for j in range(ITEMS_PER_SECTION):
            for page in (f"{section}/item{j}/page.py", f"{section}/item{j}/[id]/page.py"):
                if page not in pages:
                    pages.append(page)
        files += pages[:budget]
        budget -= len(pages)
        i += 1
    return files


def n_sections(n_routes: int) -> int:
    return max(1, -(-(n_routes - BASE_ROUTES) // ROUTES_PER_SECTION))


def write_tree(base: Path, files: Sequence[str]) -> Path:
    app = base / "app"
    for rel in files:
        path = app / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    return app


def url_mix(n_routes: int) -> list[str]:
    """The same shapes of URL at every size, in sections spread over the whole tree."""
    last = n_sections(n_routes) - 1
    # five sections spread over the tree (the 10-route tree has only section0)
    picks = [round(k * last / 4) for k in range(5)]
    urls = []
    for i in picks:
        urls += [
            f"/section{i}/item1/4711",  # dynamic, depth 3
            f"/section{i}/item{ITEMS_PER_SECTION - 1}",  # static, depth 2
            f"/section{i}/files/a/b/c",  # catch-all, depth 5
        ]
    return urls + ["/settings", "/views"]  # pages of the @team and @analytics slots


# --- starlette ----------------------------------------------------------------------------


def starlette_path(pattern: Sequence) -> str:
    parts = []
    for seg in pattern:
        if seg.kind is Kind.STATIC:
            parts.append(seg.value)
        elif seg.kind is Kind.DYNAMIC:
            parts.append(f"{{{seg.value}}}")
        elif seg.kind is Kind.CATCH_ALL:
            parts.append(f"{{{seg.value}:path}}")
        else:
            raise ValueError("optional catch-alls have no Starlette equivalent")
    return "/" + "/".join(parts)


async def _endpoint(request):  # never called: only route resolution is timed
    raise AssertionError


def starlette_router(routes) -> Router:
    return Router([Route(starlette_path(r.pattern), _endpoint) for r in routes])


def starlette_resolve(routes: Sequence[Route], path: str) -> Route | None:
    """What ``Router.app`` does before calling the endpoint (starlette/routing.py)."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "path_params": {},
        "headers": [],
    }
    for route in routes:
        match, child_scope = route.matches(scope)
        if match is Match.FULL:
            scope.update(child_scope)
            return route
    return None


# --- timing -------------------------------------------------------------------------------


def best_per_call(fn: Callable[[], object], calls_per_run: int) -> float:
    """Best-of-REPEAT seconds per single match (``fn`` does ``calls_per_run`` matches)."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    one = timer.timeit(number) / number
    number = max(1, int(TARGET_SECONDS / max(one, 1e-9)))
    return min(timer.repeat(repeat=REPEAT, number=number)) / number / calls_per_run


def measure(n_routes: int, tmp: Path) -> dict[str, float]:
    app_dir = write_tree(tmp / f"n{n_routes}", tree_files(n_routes))
    t0 = time.perf_counter()
    scanned = scan(app_dir)
    routes, problems = build_routes(scanned.root)
    build_s = time.perf_counter() - t0
    assert not scanned.problems and not problems, (scanned.problems, problems)
    assert len(routes) == n_routes, (len(routes), n_routes)
    matcher = Matcher(routes)
    router = starlette_router(routes)
    st_routes = router.routes

    urls = url_mix(n_routes)
    raw = [u.encode() for u in urls]
    # both must find the same route for every URL
    for url, r in zip(urls, raw, strict=True):
        found = matcher.match(split_path(r))
        assert found is not None, url
        st = starlette_resolve(st_routes, url)
        assert st is not None and st.path == starlette_path(found.route.pattern), (url, st, found)

    match = matcher.match

    def panes_run() -> None:
        for r in raw:
            match(split_path(r))

    def starlette_run() -> None:
        for u in urls:
            starlette_resolve(st_routes, u)

    return {
        "routes": n_routes,
        "build_s": build_s,
        "panes": best_per_call(panes_run, len(urls)),
        "starlette": best_per_call(starlette_run, len(urls)),
    }


def main(argv: Sequence[str] = ()) -> bool:
    print("== bench_match: URL → route, panes trie vs Starlette route list ==")
    print(
        f"python {sys.version.split()[0]}; best of {REPEAT} runs per cell; "
        "the URL mix has the same shapes at every size\n"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="panes-bench-") as tmp:
        for n in SIZES:
            rows.append(measure(n, Path(tmp)))
    print(
        f"{'routes':>7}  {'build s':>8}  {'panes µs/match':>15}  {'starlette µs/match':>19}  "
        f"{'starlette/panes':>15}"
    )
    for row in rows:
        print(
            f"{row['routes']:>7,}  {row['build_s']:>8.2f}  {row['panes'] * 1e6:>15.2f}  "
            f"{row['starlette'] * 1e6:>19.2f}  {row['starlette'] / row['panes']:>14.1f}×"
        )
    by_n = {row["routes"]: row for row in rows}
    scaling = by_n[10_000]["panes"] / by_n[100]["panes"]
    speedup = by_n[1_000]["starlette"] / by_n[1_000]["panes"]
    print()
    ok_scaling = scaling <= MAX_SCALING
    ok_speedup = speedup >= MIN_SPEEDUP
    print(
        f"{'PASS' if ok_scaling else 'FAIL'}: match time at 10,000 routes / at 100 = "
        f"{scaling:.2f} (target ≤ {MAX_SCALING:g})"
    )
    print(
        f"{'PASS' if ok_speedup else 'FAIL'}: at 1,000 routes panes is {speedup:.1f}× faster "
        f"than Starlette (target ≥ {MIN_SPEEDUP:g}×)"
    )
    return ok_scaling and ok_speedup


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
