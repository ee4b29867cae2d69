"""Count what a broker's log directories will make it map: non-empty segment indexes.

A broker with a million files must be scanned in about the time `find` takes, so names are
checked before anything is stat'ed and only index files are stat'ed, relative to an open
directory descriptor (no path walk per file).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from ..errors import InputError
from .safe_open import resolve_in_root

REMOTE_CACHE = "remote-log-index-cache"
_INDEX = (".index", ".timeindex")
_DELETED_INDEX = (".index.deleted", ".timeindex.deleted")
# Directories per task: large enough that scheduling is noise, small enough to balance.
_BATCH = 64


class LogDirScan(NamedTuple):
    log_dirs: tuple[str, ...]
    partitions: int
    segments: int
    index_files: int  # NON-EMPTY live .index + .timeindex
    empty_index_files: int
    deleted_index_files: int  # non-empty index files named *.deleted
    delete_dirs: int
    stray_dirs: int
    remote_cache_entries: int
    top_topics: tuple[tuple[str, int], ...]  # up to 10 (topic, non-empty index files)


def partition_topic(name: str) -> str | None:
    """Topic of a `<topic>-<partition>` directory name, None if it is not one."""
    topic, sep, part = name.rpartition("-")
    if not sep or not topic or not part.isdigit():
        return None
    return topic


def unique_dirs(dirs: Sequence[str], root: str | None = None) -> tuple[str, ...]:
    """log.dirs without repeats: the same directory listed twice, with a trailing slash or
    through a symlink is one directory (Kafka refuses a duplicate; a count must not double).

    Resolved inside `root` (the broker's /proc/PID/root) when given; a directory that does
    not resolve is kept as written, for the scan to name it.
    """
    seen: dict[str, str] = {}
    for d in dirs:
        try:
            if root:
                fd, canonical = resolve_in_root(root, d)
                os.close(fd)
            else:
                canonical = os.path.realpath(d)
        except OSError:
            canonical = os.path.normpath(d)
        seen.setdefault(canonical, d)
    return tuple(seen)


def _scan_partition(path: str) -> tuple[int, int, int, int]:
    """(segments, non-empty indexes, empty indexes, non-empty deleted indexes) of one dir."""
    segments = nonempty = empty = deleted = 0
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return 0, 0, 0, 0  # deleted or renamed by the broker while we scanned
    try:
        stat = os.stat
        for name in os.listdir(fd):
            if name.endswith(_INDEX):
                try:
                    size = stat(name, dir_fd=fd).st_size
                except FileNotFoundError:
                    continue
                if size:
                    nonempty += 1
                else:
                    empty += 1
            elif name.endswith(".log"):
                segments += 1
            elif name.endswith(_DELETED_INDEX):
                try:
                    if stat(name, dir_fd=fd).st_size:
                        deleted += 1
                except FileNotFoundError:
                    continue
    finally:
        os.close(fd)
    return segments, nonempty, empty, deleted


def _scan_batch(paths: Sequence[str]) -> list[tuple[int, int, int, int]]:
    return [_scan_partition(p) for p in paths]


def _count_remote_cache(path: str) -> int:
    # Each cached remote segment maps its offset and time index; .txnindex is not mapped.
    try:
        return sum(1 for n in os.listdir(path) if n.endswith(_INDEX))
    except OSError:
        return 0


def scan_log_dirs(dirs: Sequence[str], workers: int | None = None) -> LogDirScan:
    """Scan Kafka log directories; InputError naming a directory that cannot be read.

    `workers` threads stat partitions in parallel (os.stat releases the GIL); the default
    is one per CPU, capped at 4.
    """
    partitions: list[tuple[str, str]] = []  # (topic, path) of live partition directories
    future: list[tuple[str, str]] = []  # replicas being moved here: loaded, so mapped
    delete_dirs = stray_dirs = remote = 0
    for d in dirs:
        try:
            entries = list(os.scandir(d))
        except OSError as e:
            raise InputError(f"cannot read log directory {d}: {e.strerror or e}") from e
        for entry in entries:
            name = entry.name
            if not entry.is_dir():
                continue  # checkpoint files, meta.properties, .lock
            if name.endswith("-delete"):
                delete_dirs += 1  # topic deletion pending: unmapped, removed after a delay
            elif name.endswith("-stray"):
                stray_dirs += 1
            elif name.endswith("-future"):
                topic = partition_topic(name[: -len("-future")].rpartition(".")[0])
                if topic is not None:
                    future.append((topic, entry.path))
            elif name == REMOTE_CACHE:
                remote += _count_remote_cache(entry.path)
            else:
                topic = partition_topic(name)
                if topic is not None:
                    partitions.append((topic, entry.path))
    scanned = partitions + future
    paths = [p for _, p in scanned]
    if workers is None:
        workers = min(4, os.cpu_count() or 1)
    if workers > 1 and len(paths) > 1:
        # A few huge partitions balance as well as many small ones.
        size = max(1, min(_BATCH, len(paths) // (workers * 4)))
        batches = [paths[i : i + size] for i in range(0, len(paths), size)]
        # Imported here: a host with one partition or one CPU never loads the thread pool.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = [r for batch in pool.map(_scan_batch, batches) for r in batch]
    else:
        results = _scan_batch(paths)
    per_topic: Counter[str] = Counter()
    segments = index_files = empty = deleted = 0
    for (topic, _), (seg, nonempty, emp, dele) in zip(scanned, results):
        segments += seg
        index_files += nonempty
        empty += emp
        deleted += dele
        per_topic[topic] += nonempty
    top = sorted(((t, n) for t, n in per_topic.items() if n), key=lambda tn: (-tn[1], tn[0]))
    return LogDirScan(
        log_dirs=tuple(dirs),
        partitions=len(partitions),
        segments=segments,
        index_files=index_files,
        empty_index_files=empty,
        deleted_index_files=deleted,
        delete_dirs=delete_dirs,
        stray_dirs=stray_dirs,
        remote_cache_entries=remote,
        top_topics=tuple(top[:10]),
    )
