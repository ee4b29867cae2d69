"""scan_log_dirs against `find` on a broker-sized log directory.

Goal: scanning a log dir of 1,000,000 files (500,000 non-empty index files) takes at most
1.5x the time of a `find` that does the same work (name tests, a stat of each index file,
the same directories skipped), measured in the same run with a warm cache, best of 3 each,
alternating. Run:  .venv/bin/python bench/bench_logdir_scan.py [--files N] [--workers W]
The tree is generated under /var/tmp and removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from kafka_vmtune.facts.logdirs import scan_log_dirs

SEGMENTS_PER_PARTITION = 250
PARTITIONS_PER_TOPIC = 50
GOAL = 1.5
FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL


def _touch(name: str, dir_fd: int, data: bytes = b"") -> None:
    fd = os.open(name, FLAGS, 0o644, dir_fd=dir_fd)
    if data:
        os.write(fd, data)
    os.close(fd)


def _partition(path: str, segments: int, fresh: bool) -> int:
    """A partition directory; returns its file count."""
    os.mkdir(path)
    dfd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for s in range(segments):
            base = f"{s * 1000:020d}"
            _touch(base + ".log", dfd, b"r" * 64)
            _touch(base + ".index", dfd, b"i" * 16)
            _touch(base + ".timeindex", dfd, b"t" * 24)
            _touch(base + ".snapshot", dfd, b"p" * 8)
        if fresh:
            # A segment rolled a moment ago: its indexes are still empty and never mapped.
            base = f"{segments * 1000:020d}"
            for ext in (".log", ".index", ".timeindex", ".snapshot"):
                _touch(base + ext, dfd)
        _touch("leader-epoch-checkpoint", dfd, b"0\n1\n0 0\n")
        _touch("partition.metadata", dfd, b"version: 0\ntopic_id: x\n")
    finally:
        os.close(dfd)
    return 4 * segments + 2 + (4 if fresh else 0)


def generate(root: str, files: int) -> dict[str, int]:
    """A log dir of about `files` files, shaped like a busy broker's; returns what it holds.

    Half the files are non-empty index files (.index + .timeindex of every segment).
    """
    per_partition = 4 * SEGMENTS_PER_PARTITION + 2
    segments = SEGMENTS_PER_PARTITION if files >= per_partition else max(1, (files - 2) // 4)
    partitions = max(1, files // (4 * segments))
    total = 0
    for p in range(partitions):
        topic = f"topic{p // PARTITIONS_PER_TOPIC:04d}"
        part = os.path.join(root, f"{topic}-{p % PARTITIONS_PER_TOPIC}")
        total += _partition(part, segments, fresh=p % 10 == 0)
    # What the scan must not count: a pending topic deletion, a stray log, the remote cache.
    total += _partition(os.path.join(root, "gone-0.0123456789abcdef-delete"), 20, False)
    total += _partition(os.path.join(root, "stray-3.fedcba9876543210-stray"), 20, False)
    os.mkdir(os.path.join(root, "remote-log-index-cache"))
    rfd = os.open(os.path.join(root, "remote-log-index-cache"), os.O_RDONLY | os.O_DIRECTORY)
    for i in range(10):
        for ext in (".index", ".timeindex", ".txnindex"):
            _touch(f"{i * 500}_uuid{i}{ext}", rfd, b"c" * 16)
    os.close(rfd)
    for name in (
        "recovery-point-offset-checkpoint",
        "meta.properties",
        "cleaner-offset-checkpoint",
    ):
        Path(root, name).write_text("0\n")
    return {
        "partitions": partitions,
        "files": total + 30 + 3,
        "nonempty_index": partitions * 2 * segments,
    }


def run_find(root: str) -> tuple[float, int]:
    cmd = (
        f"find {root} \\( -name '*-delete' -o -name '*-stray' -o -name remote-log-index-cache "
        "\\) -prune -o \\( -name '*.index' -o -name '*.timeindex' \\) -size +0 -print | wc -l"
    )
    start = time.perf_counter()
    out = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, int(out.stdout.strip())


def run_scan(root: str, workers: int | None) -> tuple[float, int]:
    start = time.perf_counter()
    result = scan_log_dirs([root], workers=workers)
    return time.perf_counter() - start, result.index_files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1_000_000, help="files in the tree")
    ap.add_argument("--workers", type=int, default=None, help="scan threads (default: auto)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    root = tempfile.mkdtemp(prefix="kvt-bench-logdir-", dir="/var/tmp")
    try:
        start = time.perf_counter()
        shape = generate(root, args.files)
        print(
            f"generated {shape['files']:,} files in {shape['partitions']:,} partitions "
            f"({shape['nonempty_index']:,} non-empty index files) in "
            f"{time.perf_counter() - start:.1f} s under {root}"
        )
        run_find(root)  # warm the dentry and inode caches for both
        run_scan(root, args.workers)
        finds, scans = [], []
        counts = set()
        for _ in range(args.rounds):
            t, n = run_find(root)
            finds.append(t)
            counts.add(("find", n))
            t, n = run_scan(root, args.workers)
            scans.append(t)
            counts.add(("scan", n))
        best_find, best_scan = min(finds), min(scans)
        ratio = best_scan / best_find
        print(f"find:          {best_find:.3f} s (best of {args.rounds})")
        print(f"scan_log_dirs: {best_scan:.3f} s (best of {args.rounds})")
        print(f"ratio: {ratio:.2f}x find (goal <= {GOAL}x): {'met' if ratio <= GOAL else 'MISSED'}")
        found = {n for _, n in counts}
        agree = found == {shape["nonempty_index"]}
        print(f"non-empty index files: {sorted(counts)}; agree: {agree}")
        return 0 if agree else 1
    finally:
        start = time.perf_counter()
        subprocess.run(["rm", "-rf", "--one-file-system", root], check=True)
        print(f"removed {root} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
