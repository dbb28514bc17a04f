"""Caching benchmark: the dashboard with ``revalidate`` against the servers it should approach.

Ratios of issue 14, each measured in this run (its (b), uncached panes against a hand-written
Starlette endpoint, is ``bench_serve``'s ratio):

  (a) the dashboard ``/`` with every region cached, against a bare ASGI app sending the same
      bytes: target ≥ 0.5;
  (c) the cached dashboard with its cache in Redis (``PANES_CACHE_URL``, a throwaway
      ``redis-server``) against the same with the cache in process: target ≥ 0.8 (a hit is
      served from the worker's own copy, kept honest by Redis's invalidation messages);
  (d) panes's own µs per request, in process (no server, no network): the time of a request
      minus the time spent in the user's functions (including rendering what they return),
      for a document, a soft navigation and a streamed document, cached and uncached; the soft
      navigation also by many users in turn (each sends a state of its own, never seen
      twice in a row: what a busy site's server gets).

Every server runs under ``panes start`` (granian, one worker, the same options; the bare app as
a ``module:factory`` target), so that only the app differs. The app is a copy of
``examples/dashboard/app`` in a temporary directory: ``revalidate = float("inf")`` is appended
to each page, layout and default that may cache (for the cached runs), and the realtime page's
1.5 s wait becomes 0 (so a streamed document measures panes). ``wrk -t2 -c50`` loads each
server after a warm-up, rounds alternating the servers; each figure is a median over the
rounds (a ratio: of the two servers' rps in the same round).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cache import redis_url  # noqa: E402
from bench_serve import (  # noqa: E402
    WRK,
    check,
    free_port,
    median_ratio,
    panes_start,
    rounds,
    server,
)

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "examples" / "dashboard" / "app"
HOST = "127.0.0.1"
DURATION_S = 4
ROUNDS = 5
MIN_CACHED = 0.5
MIN_REDIS = 0.8


def prepare(base: Path, cached: bool) -> Path:
    """A copy of the dashboard's app directory; with ``cached``, every region that may be
    cached is (a layout that reads the request may not: it stays live)."""
    target = base / ("cached" if cached else "live") / "app"
    shutil.copytree(DASHBOARD, target, ignore=shutil.ignore_patterns("__pycache__"))
    realtime = target / "@analytics" / "realtime" / "page.py"
    realtime.write_text(realtime.read_text().replace("asyncio.sleep(1.5)", "asyncio.sleep(0)"))
    if cached:
        for path in target.rglob("*.py"):
            text = path.read_text()
            if path.stem in ("page", "layout", "default") and "request" not in text:
                path.write_text(text + '\nrevalidate = float("inf")\n')
    return target


# -- (d) in process -------------------------------------------------------------------------


class UserTime:
    """Wraps every user function of an app, once (a metadata dict is no function: it is left as
    it is), so that the time spent in it, and in rendering what it returned (which htpy does
    lazily), is counted apart from panes's. An async function's time includes its waits: the
    dashboard's one async page waits for ``asyncio.sleep(0)`` here."""

    def __init__(self, app: Any) -> None:
        self.seconds = 0.0
        for fn in app.functions.values():
            if not fn.value:
                object.__setattr__(fn, "func", self.wrap(fn.func))

    def wrap(self, inner: Callable[..., Any]) -> Callable[..., Any]:
        from markupsafe import Markup

        from panes.render.calls import to_html

        def rendered(result: Any) -> Any:  # a metadata() function's dict stays a dict
            return result if isinstance(result, Mapping) else Markup(to_html(result))

        if inspect.iscoroutinefunction(inner):
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return rendered(await inner(*args, **kwargs))
                finally:
                    self.seconds += time.perf_counter() - start

            return timed_async

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return rendered(inner(*args, **kwargs))
            finally:
                self.seconds += time.perf_counter() - start

        return timed


async def call(app: Any, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> bytes:
    """One request through the whole ASGI app, in process; the body it sent."""
    raw, _, query = path.partition("?")
    scope = {"type": "http", "method": "GET", "path": raw, "raw_path": raw.encode(),
             "query_string": query.encode(), "headers": [(b"host", b"bench"), *(headers or [])],
             "scheme": "http", "server": ("bench", 80), "client": ("127.0.0.1", 1),
             "root_path": "", "http_version": "1.1", "asgi": {"version": "3.0"}}
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Future()
        raise AssertionError

    body: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(body)


async def own_us(app: Any, timer: UserTime, request: Callable[[], Awaitable[bytes]],
                 n: int) -> tuple[float, float]:
    """µs per request in all, and panes's own (without the user's functions)."""
    for _ in range(50):
        await request()
    await app.cache.idle()
    best_total = best_own = float("inf")
    for _ in range(3):
        timer.seconds = 0.0
        start = time.perf_counter()
        for _ in range(n):
            await request()
        total = (time.perf_counter() - start) / n * 1e6
        own = total - timer.seconds / n * 1e6
        best_total, best_own = min(best_total, total), min(best_own, own)
    return best_total, best_own


#: How many users (each its cookie, so its own signed state) the many-users navigation cycles
#: through: more than a server keeps states checked, so each request's state is checked anew.
USERS = 5000


async def user_state(app: Any, cookie: str) -> list[tuple[bytes, bytes]]:
    """The headers of a soft navigation by the user with ``cookie``, from ``/``."""
    import re

    html = (await call(app, "/", [(b"cookie", cookie.encode())])).decode()
    found = re.search(r'id="panes-state">([^<]*)</script>', html)
    assert found is not None
    return [(b"panes-state", found.group(1).encode()), (b"cookie", cookie.encode())]


async def in_process(live: Path, cached: Path) -> dict[str, tuple[float, float]]:
    import re

    from panes import App

    results: dict[str, tuple[float, float]] = {}
    for label, app_dir in (("uncached", live), ("cached", cached)):
        app = App(app_dir, secret="bench")
        html = (await call(app, "/")).decode()
        found = re.search(r'id="panes-state">([^<]*)</script>', html)
        assert found is not None
        state = [(b"panes-state", found.group(1).encode())]
        n = 300 if label == "uncached" else 2000
        timer = UserTime(app)
        users = itertools.cycle([await user_state(app, f"user={i}") for i in range(USERS)])
        requests = {
            "document": lambda app=app: call(app, "/"),
            "soft navigation": lambda app=app, state=state: call(app, "/page-views", state),
            "soft navigation, many users": lambda app=app, users=users: call(
                app, "/page-views", next(users)),
            "streamed document": lambda app=app: call(app, "/realtime"),
        }
        for name, request in requests.items():
            body = await request()
            if b"Internal Server Error" in body or b'"t":"hard"' in body:
                raise RuntimeError(f"{name} {label} does not render: {body[:300]!r}")
            results[f"{name} {label}"] = await own_us(app, timer, request, n)
        await app.cache.close()
    return results


# -- (a), (c) over HTTP ---------------------------------------------------------------


@contextmanager
def serving(name: str, target: str | Path, app_dir: Path, env: dict[str, str] | None = None
            ) -> Iterator[str]:
    """``panes start`` serving ``target`` (an app directory, or a factory of ``bench/``)."""
    port = free_port()
    factory = not isinstance(target, Path)
    with server(name, panes_start(target, port, factory=factory), port,
                {"BENCH_APP_DIR": str(app_dir), **(env or {})}) as url:
        yield url


def main(argv: list[str]) -> bool:
    print("== bench_cached: revalidate on the dashboard ==")
    with tempfile.TemporaryDirectory() as tmp:
        live, cached = prepare(Path(tmp), False), prepare(Path(tmp), True)
        print("\n(d) panes's own µs per request, in process (best of 3 runs)")
        own = asyncio.run(in_process(live, cached))
        print(f"  {'request':<30}{'µs in all':>11}{'µs panes':>11}")
        for name, (total, mine) in own.items():
            print(f"  {name:<30}{total:>11.1f}{mine:>11.1f}")
        if WRK is None:
            print("wrk is not installed (apt-get install wrk): (a)-(c) not measured")
            return False
        print(f"\nwrk -t2 -c50 -d{DURATION_S}s, {ROUNDS} rounds, medians; "
              f"{os.cpu_count()} CPUs shared by the servers and wrk")
        with ExitStack() as stack, redis_url() as redis:
            urls = {
                "cached": stack.enter_context(serving("cached", cached, cached)),
                "bare": stack.enter_context(serving("bare", "cached_server:bare_from_env",
                                                    cached)),
                "cached redis": stack.enter_context(serving(
                    "cached redis", cached, cached,
                    {"PANES_CACHE_URL": redis, "PANES_CACHE_PREFIX": "bench-cached:"})),
            }
            for name, url in urls.items():
                check(name, url)
            rps = rounds(urls, DURATION_S, ROUNDS)
    a = median_ratio(rps, "cached", "bare")
    c = median_ratio(rps, "cached redis", "cached")
    print(f"\n{'server':<16}{'requests/s':>12}  (medians)")
    for name, values in rps.items():
        print(f"{name:<16}{statistics.median(values):>12,.0f}")
    print(f"\n(a) cached / bare ASGI, same bytes:         {a:.2f}  (target ≥ {MIN_CACHED})")
    print("(b) uncached / hand-written Starlette:       see bench_serve")
    print(f"(c) cache in Redis / cache in process:       {c:.2f}  (target ≥ {MIN_REDIS})")
    ok_a, ok_c = a >= MIN_CACHED, c >= MIN_REDIS
    print(f"{'PASS' if ok_a else 'FAIL'}: (a) {a:.2f}")
    print(f"{'PASS' if ok_c else 'FAIL'}: (c) {c:.2f}")
    return ok_a and ok_c


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
