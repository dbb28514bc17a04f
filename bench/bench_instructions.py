"""Instructions per request, counted by valgrind (callgrind): the one figure on a shared machine
that does not move with the load of its neighbours (the same code, inputs and environment give
the same count, whatever else runs).

Counts, in process (no server, no network), for the dashboard's ``/`` rendered by panes and by
the hand-written Starlette endpoint of ``baseline_dashboard.py`` (the same page functions), and
for a soft navigation ``/`` → ``/page-views``: each a run of N requests minus a run of none, so
that start-up is not counted. Instructions are not time (a C loop such as hashing runs several
instructions a cycle, the interpreter fewer), but a change that removes work shows here
exactly, where req/s on a shared machine varies by ±10 % from run to run.

Reported (no target): instructions per request of each, panes's own (panes − baseline) and the
ratio baseline / panes. ``python bench/bench_instructions.py [N]`` (default 30 requests).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_DIR = ROOT / "examples" / "dashboard" / "app"
VALGRIND = shutil.which("valgrind")

#: What one counted run does: N requests through the whole ASGI app, in process.
RUN = r'''
import asyncio, re, sys
sys.path.insert(0, {bench!r})
from bench_cached import call
from pathlib import Path

APP = Path({app!r})

async def main(which, n):
    if which == "baseline":
        import baseline_dashboard
        app = baseline_dashboard.build(APP)
        request = lambda: call(app, "/")
    else:
        from panes import App
        app = App(APP, secret="bench")
        html = (await call(app, "/")).decode()
        state = re.search(r'id="panes-state">([^<]*)</script>', html).group(1).encode()
        request = {{"document": lambda: call(app, "/"),
                    "soft navigation": lambda: call(app, "/page-views",
                                                    [(b"panes-state", state)])}}[which]
    for _ in range(20):  # warm: imports, first-time caches
        await request()
    for _ in range(n):
        await request()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
'''


def count(which: str, n: int) -> int:
    """Instructions of a run of ``n`` requests of kind ``which``."""
    assert VALGRIND is not None
    script = RUN.format(bench=str(Path(__file__).resolve().parent), app=str(APP_DIR))
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [VALGRIND, "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, "-c", script, which, str(n)],
        capture_output=True, text=True, env=env, check=True, timeout=1800,
    ).stderr
    found = re.search(r"Collected\s*:\s*(\d+)", out)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{out[-2000:]}")
    return int(found.group(1))


def per_request(which: str, n: int) -> float:
    return (count(which, n) - count(which, 0)) / n


def main(argv: list[str]) -> bool:
    n = int(argv[0]) if argv else 30
    print("== bench_instructions: instructions per request (callgrind), dashboard ==")
    if VALGRIND is None:
        print("valgrind is not installed: `apt-get install valgrind`, then run again")
        return False
    base = per_request("baseline", n)
    print(f"  {'baseline /':<28}{base:>14,.0f}   hand-written Starlette, same page functions")
    for which in ("document", "soft navigation"):
        value = per_request(which, n)
        line = f"  {'panes ' + which:<28}{value:>14,.0f}"
        if which == "document":
            line += f"   panes's own {value - base:,.0f}; baseline / panes {base / value:.3f}"
        print(line, flush=True)
    return True


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
