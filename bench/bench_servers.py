"""Which server runs ``panes start``: uvicorn+httptools (what it ran before), uvicorn+h11 with
every limit uvicorn has, and granian as ``panes start`` configures it now.

For each: requests/s on the dashboard (``wrk -t2 -c50``, all servers up at once, best of two
alternating rounds, as ratios to uvicorn+httptools measured in this run), then bounded loopback
attacks that stop by themselves (``attacks.py``): four connections each streaming an unfinished
header of up to 200 MiB (server RSS before and at its peak), headers that never finish, a
keep-alive connection left idle, and 3,000 idle connections while a new client asks for a page.
The cost of gzip: granian serving the dashboard through ``CompressMiddleware`` to
``Accept-Encoding: gzip``, in the same rounds.

Targets: the chosen server's limits hold (the flood costs < 50 MiB, slow headers and idle
keep-alive are closed) and its rps / uvicorn+httptools ≥ 0.95.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import attacks  # noqa: E402
from bench_serve import APP_DIR, DURATION_S, HOST, WARMUP_S, WRK, free_port, server, wrk  # noqa: E402

PY = sys.executable
FACTORY = [PY, "-m", "uvicorn", "--factory", "panes.tools.cli:server_app", "--no-access-log",
           "--no-server-header", "--log-level", "warning", "--host", HOST]
SERVERS = {
    "uvicorn-httptools": [*FACTORY, "--http", "httptools"],
    "uvicorn-h11": [*FACTORY, "--http", "h11", "--h11-max-incomplete-event-size", "65536",
                    "--limit-concurrency", "4096", "--timeout-keep-alive", "10"],
    "granian": [PY, "-m", "panes", "start", str(APP_DIR), "--host", HOST],
}
GZIP = [PY, "-m", "panes", "start", "bench.compressed_dashboard:app", "--host", HOST]
ROUNDS = 2


def main(argv: list[str]) -> bool:
    print("== bench_servers: uvicorn+httptools (before) vs uvicorn+h11 vs granian (panes start) ==")
    if WRK is None:
        print("FAIL: wrk is not installed (apt-get install wrk)")
        return False
    import os

    os.environ["PANES_APP_DIR"] = str(APP_DIR)
    os.environ.setdefault("PANES_SECRET", "bench")
    commands = {**SERVERS, "granian+gzip": GZIP}
    rps: dict[str, float] = {name: 0.0 for name in commands}
    found: dict[str, dict[str, str]] = {}
    with ExitStack() as stack:
        ports = {name: free_port() for name in commands}
        urls = {name: stack.enter_context(server(name, [*argv_, "--port", str(ports[name])],
                                                 ports[name]))
                for name, argv_ in commands.items()}
        # throughput first, all servers up, rounds alternating (load from elsewhere evens out)
        for name, url in urls.items():
            _wrk(name, url, WARMUP_S)
        for round_ in range(1, ROUNDS + 1):
            for name, url in urls.items():
                value = _wrk(name, url, DURATION_S)
                rps[name] = max(rps[name], value)
                print(f"  round {round_}: {name:<18} {value:>7,.0f} req/s", flush=True)
        for name in SERVERS:
            found[name] = _attack(ports[name], _session(ports[name]))
            print(f"  {name:<18} " + "; ".join(f"{k}: {v}" for k, v in found[name].items()),
                  flush=True)
    gz = rps.pop("granian+gzip")
    base = rps["uvicorn-httptools"]
    print(f"\n{'server':<20}{'req/s':>9}{'/ before':>10}")
    for name, value in rps.items():
        print(f"{name:<20}{value:>9,.0f}{value / base:>10.2f}")
    print(f"{'granian + gzip':<20}{gz:>9,.0f}{gz / base:>10.2f}   "
          f"(gzip costs {100 * (1 - gz / rps['granian']):.0f}% of granian's req/s)")
    g = found["granian"]
    holds = (float(g["flood growth MiB"]) < 50 and g["slow headers"] != "open"
             and g["idle keep-alive"] != "open")
    fast = rps["granian"] / base >= 0.95
    print(f"{'PASS' if holds else 'FAIL'}: granian's limits hold under the attacks")
    print(f"{'PASS' if fast else 'FAIL'}: granian serves {rps['granian'] / base:.2f}× "
          "uvicorn+httptools (target ≥ 0.95)")
    return holds and fast


def _wrk(name: str, url: str, seconds: int) -> float:
    """req/s; the compressed server is asked for gzip, the others for the identity body."""
    if name != "granian+gzip":
        return wrk(url, seconds)[0]
    import subprocess

    assert WRK is not None
    out = subprocess.run([WRK, "-t2", "-c50", f"-d{seconds}s", "-H", "Accept-Encoding: gzip",
                          url], capture_output=True, text=True, check=True).stdout
    return float(out.split("Requests/sec:")[1].split()[0])


def _session(port: int) -> int:
    """The session of the process listening on ``port`` (servers start in their own)."""
    import os

    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            if parts[1].endswith(f":{port:04X}") and parts[3] == "0A":
                inode = parts[9]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return os.getsid(int(pid))
        except OSError:
            continue
    raise RuntimeError(f"no process listens on {port}")


def _attack(port: int, session: int) -> dict[str, str]:
    flood = attacks.header_flood(port, session, budget=200 * attacks.MiB, deadline_s=15)
    slow = attacks.slow_headers(port, limit_s=15)
    idle_ka = attacks.keep_alive_close(port, limit_s=15)
    idle = attacks.idle_flood(port, count=3000, wait_s=12)
    return {
        "flood MiB in": str(sum(flood.sent) // attacks.MiB),
        "RSS MiB": f"{flood.rss_before:.0f}->{flood.rss_peak:.0f}",
        "flood growth MiB": f"{flood.rss_peak - flood.rss_before:.0f}",
        "after flood": attacks.get_status(port),
        "slow headers": "open" if slow is None else f"closed {slow:.1f}s",
        "idle keep-alive": "open" if idle_ka is None else f"closed {idle_ka:.1f}s",
        "new client among 3000 idle": f"{idle.fresh_status} in {idle.fresh_request_s:.2f}s",
        "idle closed": f"{idle.closed_by_server}/{idle.opened} in {idle.waited_s:.0f}s",
    }


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
