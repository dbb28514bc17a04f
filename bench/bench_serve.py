"""Serving benchmark, issue 14's ratio (b): the dashboard's ``/`` uncached, ``panes start
examples/dashboard/app`` against a hand-written Starlette endpoint (``bench/baseline_dashboard.py``)
that builds the same page from the same functions. Every server here runs under ``panes start``
(granian, one worker, the same limits and options; the baseline as a ``module:factory``
target), so that only the app differs.

Each server is started on a free loopback port, checked (status and body size) and warmed up
with a short wrk run; then ``wrk -t2 -c50 -d5s`` measures them in turn, round after round, and
each figure is the median over the rounds (a ratio: the median of each round's panes/baseline,
two measurements seconds apart, so that load from elsewhere on a shared machine touches both);
all are stopped on the way out, whatever happens. The servers share the machine with wrk, so
the ratio is the figure that means something; requests per second alone depend on the machine.

A third server (no target) is the baseline serving its first body again without rendering: the
ceiling that the server and Starlette leave on this machine, which tells the page's own
rendering cost apart from panes's.

Targets (measured in this run):
  * panes rps / baseline rps ≥ 0.9 (issue 14 (b));
  * panes serves ≥ 3,000 rps (for scale: Next.js 15.5 ``next start`` serves an equivalent
    dynamic page at about 290 rps on these machines).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_DIR = ROOT / "examples" / "dashboard" / "app"
BENCH = Path(__file__).resolve().parent
HOST = "127.0.0.1"  # loopback only

WRK = shutil.which("wrk") or ("/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None)
WRK_ARGS = ("-t2", "-c50")
WARMUP_S = 2
DURATION_S = 5
ROUNDS = 7
START_TIMEOUT_S = 30

#: What panes adds to a document: region markers, the navigation state, the runtime's tag.
PANES_MARKUP = re.compile(
    rb"<!--/?panes:[^>]*-->"
    rb'|<script type="application/x-panes-state" id="panes-state">[^<]*</script>'
    rb'|<script src="[^"]*/_panes/panes\.[0-9a-f]+\.js"[^>]*></script>'
)

MIN_RATIO = 0.9
MIN_RPS = 3_000
NEXT_RPS = 290  # Next.js 15.5 `next start`, equivalent dynamic page, same machines


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def fetch(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def panes_start(target: str | Path, port: int, *, factory: bool = False) -> list[str]:
    """The command that serves ``target`` (an app directory, or ``module:factory`` of a module
    in ``bench/``) the way ``panes start`` serves an app in production."""
    return [sys.executable, "-m", "panes", "start", str(target), "--host", HOST,
            "--port", str(port), *(["--factory"] if factory else [])]


@contextmanager
def server(name: str, argv: Sequence[str], port: int,
           env: dict[str, str] | None = None) -> Iterator[str]:
    """Run a server in its own process group; always stopped on the way out. ``env`` adds to
    the environment (``bench/`` is on its ``PYTHONPATH``, for ``module:factory`` targets).

    Its output goes to a temporary file (a pipe nobody reads could fill and stall it), shown
    when it fails to start.
    """
    url = f"http://{HOST}:{port}/"
    path = os.pathsep.join(p for p in (str(BENCH), os.environ.get("PYTHONPATH", "")) if p)
    environ = {**os.environ, "PYTHONPATH": path, "PANES_SECRET": "bench", **(env or {})}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env=environ,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    out = log.read().decode(errors="replace")
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{out[-2000:]}")
                try:
                    fetch(url, timeout=5.0)  # a page may take a second (bench_stream)
                    break
                except (OSError, urllib.error.URLError):
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"{name} did not answer on {url} within {START_TIMEOUT_S} s"
                        ) from None
                    time.sleep(0.1)
            yield url
        finally:
            stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (it may have forked workers), SIGKILL if it lingers."""
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def wrk(url: str, seconds: int) -> tuple[float, str]:
    """Requests/sec reported by wrk, and its whole output."""
    assert WRK is not None
    out = subprocess.run(
        [WRK, *WRK_ARGS, f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    m = re.search(r"Requests/sec:\s*([\d.]+)", out)
    if not m:
        raise RuntimeError(f"no Requests/sec in wrk output:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    if errors:
        raise RuntimeError(f"wrk got {errors.group(1)} error responses from {url}:\n{out}")
    return float(m.group(1)), out


def latency(out: str) -> str:
    m = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    return f"latency avg {m.group(1)}, p99 {p99.group(1) if p99 else '?'}" if m else ""


def check(name: str, url: str) -> bytes:
    status, body = fetch(url)
    if status != 200:
        raise RuntimeError(f"{name} answered {status} on {url}:\n{body[:500]!r}")
    print(f"  {name:<9} {url} answers 200, {len(body):,} bytes", flush=True)
    return body


def rounds(urls: dict[str, str], seconds: int = DURATION_S, count: int = ROUNDS,
           ratio: tuple[str, str] | None = None) -> dict[str, list[float]]:
    """Requests per second of each server, ``count`` rounds of ``seconds`` each, the servers
    in turn within a round (after a warm-up); ``ratio``: a pair whose ratio each round prints."""
    for url in urls.values():
        wrk(url, WARMUP_S)
    rps: dict[str, list[float]] = {name: [] for name in urls}
    for round_ in range(1, count + 1):
        for name, url in urls.items():
            value, out = wrk(url, seconds)
            rps[name].append(value)
            print(f"  round {round_}: {name:<12} {value:>8,.0f} requests/s  ({latency(out)})",
                  flush=True)
        if ratio is not None:
            print(f"  round {round_}: {ratio[0]} / {ratio[1]} = "
                  f"{rps[ratio[0]][-1] / rps[ratio[1]][-1]:.2f}", flush=True)
    return rps


def median_ratio(rps: dict[str, list[float]], top: str, bottom: str) -> float:
    """The median over the rounds of ``top``'s rps / ``bottom``'s in the same round."""
    return statistics.median(a / b for a, b in zip(rps[top], rps[bottom], strict=True))


def main(argv: Sequence[str] = ()) -> bool:
    print("== bench_serve: panes start vs hand-written Starlette, dashboard / ==")
    if WRK is None:
        print("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu), then run again")
        print("FAIL: panes/baseline ratio not measured (no wrk)")
        print("FAIL: panes rps not measured (no wrk)")
        return False
    print(
        f"wrk {' '.join(WRK_ARGS)} -d{DURATION_S}s after a {WARMUP_S} s warm-up, "
        f"{ROUNDS} rounds alternating the servers, medians; "
        f"{os.cpu_count()} CPUs shared by server and wrk\n"
    )
    baseline = "baseline_dashboard:from_env"
    servers: dict[str, tuple[str | Path, bool, dict[str, str]]] = {
        "panes": (APP_DIR, False, {}),
        "baseline": (baseline, True, {"BENCH_APP_DIR": str(APP_DIR)}),
        # not a target: the same bytes with no rendering, what the server + Starlette allow
        "ceiling": (baseline, True, {"BENCH_APP_DIR": str(APP_DIR), "BENCH_CACHED": "1"}),
    }
    with ExitStack() as stack:
        urls = {}
        for name, (target, factory, env) in servers.items():
            port = free_port()
            urls[name] = stack.enter_context(
                server(name, panes_start(target, port, factory=factory), port, env))
        bodies = {name: check(name, url) for name, url in urls.items()}
        rps = rounds(urls, ratio=("panes", "baseline"))

    panes_body, base_body = bodies["panes"], bodies["baseline"]
    diff = len(panes_body) - len(base_body)
    if panes_body == base_body:
        same = "identical bytes"
    elif re.sub(PANES_MARKUP, b"", panes_body) == base_body:
        same = "identical once what panes adds (slot markers, state, runtime tag) is removed"
    else:
        same = "bodies differ beyond panes's slot markers"
    print(
        f"\n  body size: panes {len(panes_body):,} B, baseline {len(base_body):,} B "
        f"(panes {diff:+,} B, {100 * diff / len(base_body):+.1f}%; {same})"
    )
    best = {name: statistics.median(values) for name, values in rps.items()}
    ratio = median_ratio(rps, "panes", "baseline")
    print(f"\n{'server':<10}{'requests/s':>12}  {'/ baseline':>10}")
    print(f"{'panes':<10}{best['panes']:>12,.0f}  {ratio:>10.2f}")
    print(
        f"{'baseline':<10}{best['baseline']:>12,.0f}  {1:>10.2f}   "
        "hand-written Starlette, same page functions, same server"
    )
    print(
        f"{'ceiling':<10}{best['ceiling']:>12,.0f}  {best['ceiling'] / best['baseline']:>10.2f}"
        "   baseline serving its first body again (no rendering)"
    )
    print(
        f"panes / Next.js 15.5 reference ({NEXT_RPS} rps, not measured here): "
        f"{best['panes'] / NEXT_RPS:.1f}×\n"
    )
    ok_ratio = ratio >= MIN_RATIO
    ok_rps = best["panes"] >= MIN_RPS
    print(
        f"{'PASS' if ok_ratio else 'FAIL'}: panes serves {ratio:.2f}× the baseline's rps "
        f"(target ≥ {MIN_RATIO:g})"
    )
    print(
        f"{'PASS' if ok_rps else 'FAIL'}: panes serves {best['panes']:,.0f} rps "
        f"(target ≥ {MIN_RPS:,})"
    )
    return ok_ratio and ok_rps


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
