"""Reading an hs_err file of a JVM that died at the limit: 80,000 lines (its maps).

Goal: well under a second. Prints the time to read and parse it as diagnose does, against
two baselines on the same file: `wc -l`, and a plain Python loop over its lines.
Run:  .venv/bin/python bench/bench_hs_err.py [--lines 80000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from kafka_vmtune.facts.evidence import Reader

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "facts" / "crash_fixtures"
GOAL_S = 1.0


def hs_err_text(lines: int) -> bytes:
    """A real JDK 17 hs_err (trimmed fixture) whose map section holds `lines` areas."""
    head, _, rest = (
        (FIXTURE / "hs_err_pid6161.log").read_bytes().partition(b"\nDynamic libraries:\n")
    )
    tail = rest[rest.index(b"\n\n") :]
    maps = b"".join(
        b"7f%010x-7f%010x rw-s 00000000 fe:00 %-10d /var/lib/kafka/data/t-%d/%020d.index\n"
        % (i * 8192, i * 8192 + 4096, 1000 + i, i % 500, i)
        for i in range(lines - 1)
    )
    vsyscall = b"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]"
    return head + b"\nDynamic libraries:\n" + maps + vsyscall + tail


def best(rounds: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=80_000)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kvt-bench-hs-err-") as d:
        path = os.path.join(d, "hs_err_pid4242.log")
        Path(path).write_bytes(hs_err_text(args.lines))
        reader = Reader(dirs={os.path.realpath(d)}, files=set())
        parsed = reader.hs_err(path)
        assert parsed is not None and parsed.map_areas == args.lines - 1, parsed

        def python_lines() -> None:
            with open(path, "rb") as f:
                for _ in f:
                    pass

        ours = best(args.rounds, lambda: reader.hs_err(path))
        loop = best(args.rounds, python_lines)
        wc = best(
            args.rounds, lambda: subprocess.run(["wc", "-l", path], capture_output=True, check=True)
        )
        size = os.path.getsize(path) / 2**20
    print(f"hs_err of {args.lines} lines ({size:.1f} MiB), best of {args.rounds}:")
    print(f"  diagnose read+parse {ours * 1000:8.2f} ms  (goal < {GOAL_S:.0f} s)")
    print(f"  python line loop    {loop * 1000:8.2f} ms  ratio {ours / loop:.2f}x")
    print(f"  wc -l               {wc * 1000:8.2f} ms  ratio {ours / wc:.2f}x")
    print(f"  areas counted: {parsed.map_areas}, limit {parsed.limit}")


if __name__ == "__main__":
    main()
