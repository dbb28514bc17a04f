"""Streaming: first byte and arrival times, with loading.py against the same page without.

Two app directories, identical but for ``loading.py``: a root layout with three slots whose
pages wait 0.3, 0.6 and 1.0 s. Each is served by ``panes start`` on loopback; raw requests over a
socket record when the first byte, each slot's content and the end arrive (median of a few
runs). A soft navigation to the 1 s slot is timed the same way (its loading UI, then its fill).

Targets (measured in this run): with loading.py, the first byte under 50 ms, the whole
response under 1.1 s, and each slot's content at about its own time (within 0.1 s); without,
the first byte waits for the slowest slot; the soft navigation shows its loading UI within
100 ms.
"""

from __future__ import annotations

import re
import socket
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from bench_serve import HOST, free_port, server

RUNS = 5
SLOTS = {"a": 0.3, "b": 0.6, "c": 1.0}

LAYOUT = """
from markupsafe import Markup

def layout(children, a, b, c):
    return Markup("<html><body><main>{}</main><i>{}</i><i>{}</i><i>{}</i></body></html>").format(
        children, a, b, c)
"""


def write(root: Path, loading: bool) -> Path:
    files = {"layout.py": LAYOUT, "page.py": "def page():\n    return 'home'\n",
             "slow/page.py": "def page():\n    return None\n"}
    for name, seconds in SLOTS.items():
        files[f"@{name}/page.py"] = (
            f"import asyncio\n\nasync def page():\n"
            f"    await asyncio.sleep({seconds})\n    return 'slot {name} ready'\n")
        files[f"@{name}/default.py"] = "def default():\n    return None\n"
        files[f"@{name}/slow/page.py"] = files[f"@{name}/page.py"]
        if loading:
            files[f"@{name}/loading.py"] = f"def loading():\n    return 'loading {name}'\n"
    for rel, source in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root


def timeline(port: int, path: str, headers: str = "") -> tuple[float, dict[str, float], float]:
    """First byte, each marker's arrival, and the end of one response, in seconds."""
    with socket.create_connection((HOST, port)) as sock:
        start = time.perf_counter()
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\n{headers}Connection: close\r\n\r\n"
                     .encode())
        first, seen, body = None, {}, b""
        while chunk := sock.recv(65536):
            now = time.perf_counter() - start
            first = first if first is not None else now
            body += chunk
            for marker in re.findall(rb"(slot [abc] ready|loading [abc])", body):
                seen.setdefault(marker.decode(), now)
        return first or 0.0, seen, time.perf_counter() - start


def median_timeline(port: int, path: str,
                    headers: str = "") -> tuple[float, dict[str, float], float]:
    runs = [timeline(port, path, headers) for _ in range(RUNS)]
    keys = set.intersection(*(set(r[1]) for r in runs))
    return (statistics.median(r[0] for r in runs),
            {k: statistics.median(r[1][k] for r in runs) for k in sorted(keys)},
            statistics.median(r[2] for r in runs))


def state_of(port: int) -> str:
    with socket.create_connection((HOST, port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        body = b""
        while chunk := sock.recv(65536):
            body += chunk
    return re.search(rb'id="panes-state">([^<]*)</script>', body).group(1).decode()  # type: ignore[union-attr]


def main(argv: list[str]) -> bool:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for loading in (True, False):
            app = write(Path(tmp) / ("with" if loading else "without") / "app", loading)
            port = free_port()
            argv_ = [sys.executable, "-m", "panes", "start", str(app), "--port", str(port)]
            with server("panes start", argv_, port):
                timeline(port, "/slow")  # warm up
                results[loading] = median_timeline(port, "/slow")
                if loading:
                    state = state_of(port)
                    results["soft"] = median_timeline(port, "/slow", f"Panes-State: {state}\r\n")
    print(f"== streaming: three slots of {', '.join(f'{s} s' for s in SLOTS.values())} "
          f"(median of {RUNS}) ==")
    for loading in (True, False):
        first, seen, total = results[loading]
        ready = ", ".join(f"{k[5]} {v:.3f}" for k, v in seen.items() if "ready" in k)
        print(f"{'with loading.py   ' if loading else 'without loading.py'}  first byte "
              f"{first * 1000:7.1f} ms   total {total:.3f} s   slots ready at: {ready}")
    first, seen, total = results[True]
    first_without = results[False][0]
    print(f"first byte, without / with loading.py: {first_without / first:.0f}x")
    soft_first, soft_seen, soft_total = results["soft"]
    print(f"soft navigation to the slow slots: loading UI at {soft_first * 1000:.1f} ms, "
          f"content at {max(v for k, v in soft_seen.items() if 'ready' in k):.3f} s")
    on_time = all(abs(seen[f"slot {k} ready"] - s) < 0.1 for k, s in SLOTS.items())
    checks = [
        (first < 0.05, "with loading.py the first byte arrives under 50 ms"),
        (total < 1.1, "with loading.py the whole response takes under 1.1 s"),
        (on_time, "each slot's content arrives within 0.1 s of its own time"),
        (first_without >= 0.95, "without loading.py the first byte waits for the slowest slot"),
        (soft_first < 0.1, "a soft navigation shows its loading UI within 100 ms"),
    ]
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {text}")
    return all(ok for ok, _ in checks)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(0 if main(sys.argv[1:]) else 1)
