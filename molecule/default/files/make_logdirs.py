"""Plant a realistic Kafka KRaft log-dir tree on a Molecule host (run there by prepare.yml).

usage: make_logdirs.py NODE_ID OWNER LOGDIR [LOGDIR...]

Layout, like a broker that has been running for a while:
- rolled segments: .log with data, .index/.timeindex trimmed to their entries (non-empty),
  or EMPTY when the segment was too small for an index entry (Kafka maps nothing for those);
- active segment: .index/.timeindex preallocated to segment.index.bytes (10 MiB, sparse);
- .txnindex, .snapshot, leader-epoch-checkpoint, partition.metadata (never mapped);
- a pending segment delete (*.index.deleted) and a topic deletion dir (*-delete);
- meta.properties per log dir and the __cluster_metadata log on the first one.
"""

from __future__ import annotations

import os
import shutil
import sys

INDEX_PREALLOC = 10 * 1024 * 1024
# topic -> (partitions, rolled segments per partition, rolled index bytes; 0 = empty index)
TOPICS = {
    "orders": (6, 3, 4096),
    "payments": (3, 2, 0),
    "clicks": (4, 4, 8192),
    "__consumer_offsets": (5, 1, 4096),
}


def write(path: str, data: bytes = b"", size: int | None = None) -> None:
    with open(path, "wb") as f:
        f.write(data)
        if size is not None:
            f.truncate(size)  # sparse, like Kafka's preallocated indexes


def segment(pdir: str, base: int, index_bytes: int, active: bool) -> None:
    name = os.path.join(pdir, f"{base:020d}")
    write(name + ".log", b"\0" * 1024)
    size = INDEX_PREALLOC if active else index_bytes
    write(name + ".index", size=size)
    write(name + ".timeindex", size=size)
    if not active:
        write(name + ".snapshot", b"\0" * 64)


def partition(log_dir: str, topic: str, part: int, rolled: int, index_bytes: int) -> str:
    pdir = os.path.join(log_dir, f"{topic}-{part}")
    os.makedirs(pdir, exist_ok=True)
    for s in range(rolled + 1):
        segment(pdir, s * 1000, index_bytes, active=s == rolled)
    write(os.path.join(pdir, f"{0:020d}.txnindex"))
    write(os.path.join(pdir, "leader-epoch-checkpoint"), b"0\n1\n0 0\n")
    metadata = b"version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n"
    write(os.path.join(pdir, "partition.metadata"), metadata)
    return pdir


def main(argv: list[str]) -> int:
    node_id, owner, log_dirs = argv[1], argv[2], argv[3:]
    for n, log_dir in enumerate(log_dirs):
        os.makedirs(log_dir, exist_ok=True)
        write(
            os.path.join(log_dir, "meta.properties"),
            f"version=1\nnode.id={node_id}\ncluster.id=kvt-molecule-cluster\n"
            f"directory.id=kvtdir{n}\n".encode(),
        )
        for topic, (parts, rolled, index_bytes) in TOPICS.items():
            # partitions spread over the log dirs, like Kafka's least-loaded placement
            for p in range(n, parts, len(log_dirs)):
                partition(log_dir, topic, p, rolled, index_bytes)
    first = log_dirs[0]
    partition(first, "__cluster_metadata", 0, 1, 4096)
    # A retention sweep in progress: the oldest orders segment is renamed .deleted.
    odir = os.path.join(first, "orders-0")
    for ext in (".log", ".index", ".timeindex"):
        src = os.path.join(odir, f"{0:020d}{ext}")
        os.rename(src, src + ".deleted")
    # A deleted topic waiting for file.delete.delay.ms.
    ddir = os.path.join(first, "retired-0.6f1c2a9b0d3e4c5fa1b2c3d4e5f60718-delete")
    os.makedirs(ddir, exist_ok=True)
    segment(ddir, 0, 4096, active=False)
    for log_dir in log_dirs:
        for root, dirs, files in os.walk(log_dir):
            for name in dirs + files:
                shutil.chown(os.path.join(root, name), owner, owner)
        shutil.chown(log_dir, owner, owner)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
