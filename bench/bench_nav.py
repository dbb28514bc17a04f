"""Soft navigation cost on the dashboard: bytes sent and user functions executed.

Each soft navigation from ``/`` below changes one slot (a team page or an analytics tab).
Measured in one run, in process: its answer against the full document of the same URL, and the
user functions each one executes.

Targets, for every one of them: the soft navigation sends at most 15% of the document's bytes,
and executes only the functions of the changed slot.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from panes import App

ROOT = Path(__file__).resolve().parent.parent
APP_DIR = ROOT / "examples" / "dashboard" / "app"


def counting(app: App) -> Counter[str]:
    """Wrap every user function of ``app`` so that each call is counted by file."""
    calls: Counter[str] = Counter()

    def wrap(file: str, func: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(func):
            async def async_counted(**kwargs: Any) -> Any:
                calls[file] += 1
                return await func(**kwargs)
            return async_counted

        def counted(**kwargs: Any) -> Any:
            calls[file] += 1
            return func(**kwargs)
        return counted

    for file, fn in app.functions.items():  # in place: every render of the app reads these
        object.__setattr__(fn, "func", wrap(file, fn.func))
    return calls


#: URL -> the page of the one slot it changes, coming from /
NAVIGATIONS = {
    "/settings": "@team/settings/page.py",
    "/page-views": "@analytics/page-views/page.py",
    "/visitors": "@analytics/visitors/page.py",
    "/realtime": "@analytics/realtime/page.py",
}


async def measure(url: str) -> tuple[int, int, int, int, int, Counter[str], Counter[str]]:
    app = App(APP_DIR)
    calls = counting(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        home = await client.get("/")
        state = re.search(r'id="panes-state">([^<]*)</script>', home.text).group(1)  # type: ignore[union-attr]
        calls.clear()
        full = await client.get(url)
        full_calls = Counter(calls)
        calls.clear()
        soft = await client.get(url, headers={"Panes-State": state})
        soft_calls = Counter(calls)
        # as sent (gzip, which panes applies when the browser accepts it, as every one does)
        wire_full = await client.get(url, headers={"accept-encoding": "gzip"})
        wire_soft = await client.get(url, headers={"Panes-State": state,
                                                   "accept-encoding": "gzip"})
    head = json.loads(soft.text.split("\n", 1)[0]).get("head")
    head_bytes = len(json.dumps({"head": head}, separators=(",", ":"))) - 1 if head else 0
    return (len(full.content), len(soft.content), head_bytes, wire_full.num_bytes_downloaded,
            wire_soft.num_bytes_downloaded, full_calls, soft_calls)


def main(argv: list[str]) -> bool:
    print("== soft navigations from / on the dashboard, one slot each ==")
    print("bytes as rendered; 'head' is the part that updates the title and tags (each page has")
    print("its own title); 'gzipped' is what goes over the wire, document/soft")
    print(f"{'to':<12} {'document':>9} {'soft':>7} {'head':>5} {'ratio':>6} {'gzipped':>13}  "
          "functions (document -> soft; metadata() beside them)")
    ok = True
    for url, page in NAVIGATIONS.items():
        full, soft, head, wire_full, wire_soft, full_calls, soft_calls = asyncio.run(measure(url))
        ratio = (soft - head) / full
        ran = {f for f in soft_calls if not f.endswith(":metadata")}
        meta = sorted(f for f in soft_calls if f.endswith(":metadata"))
        only_slot = ran <= {page, page.replace("page.py", "loading.py")}
        ok = ok and ratio <= 0.15 and only_slot
        notes = ("" if ratio <= 0.15 else "  (over 15%)") + (
            "" if only_slot else "  (other slots ran)")
        print(f"{url:<12} {full:>9,} {soft:>7,} {head:>5,} {ratio:>6.3f} "
              f"{wire_full:>6,}/{wire_soft:>5,}  {sum(full_calls.values())} -> "
              f"{', '.join(sorted(ran))}; {', '.join(meta)}{notes}")
    print(f"{'PASS' if ok else 'FAIL'}: every soft navigation sends ≤ 15% of the document's bytes "
          "(besides its head update) and runs only the changed slot's functions (and the "
          "route's metadata(), as Next.js does)")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
