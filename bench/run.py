"""Run the benchmarks: ``python bench/run.py [match] [nav] [stream] [serve] [cached] [cache]
[servers] [instructions]`` (all by default).

Each benchmark prints ratios measured in this run and ends with PASS/FAIL lines; the exit code
is 1 when any target is missed. Not part of the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cache  # noqa: E402
import bench_cached  # noqa: E402
import bench_instructions  # noqa: E402
import bench_match  # noqa: E402
import bench_nav  # noqa: E402
import bench_serve  # noqa: E402
import bench_servers  # noqa: E402
import bench_stream  # noqa: E402

BENCHES = {"match": bench_match.main, "nav": bench_nav.main, "stream": bench_stream.main,
           "serve": bench_serve.main, "cached": bench_cached.main, "cache": bench_cache.main,
           "servers": bench_servers.main, "instructions": bench_instructions.main}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHES)}",
            file=sys.stderr,
        )
        return 2
    results = {}
    for i, name in enumerate(names):
        if i:
            print()
        results[name] = BENCHES[name]([])
    if len(names) > 1:
        print("\n== summary ==")
        for name, ok in results.items():
            print(f"{'PASS' if ok else 'FAIL'}: {name}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
