"""What a process holds, read from /proc: map areas by kind, threads, arenas, descriptors."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import NamedTuple

from ..errors import FactsError

# Path column of a Kafka index mapping: live, renamed for deletion or by the log cleaner,
# or unlinked while still mapped (the kernel appends " (deleted)"). classify_maps applies
# it as the suffix tuples below, which are twice as fast; a property test keeps them equal.
INDEX_PATH = re.compile(r"\.(index|timeindex)(\.deleted|\.cleaned|\.swap)?( \(deleted\))?$")
REMOTE_CACHE_DIR = "remote-log-index-cache/"
_KINDS = (".index", ".timeindex")
_LIVE_SUFFIXES = tuple(k + s for k in _KINDS for s in ("", ".cleaned", ".swap"))
_DELETED_SUFFIXES = tuple(
    k + s + gone
    for k in _KINDS
    for s in ("", ".deleted", ".cleaned", ".swap")
    for gone in ("", " (deleted)")
    if s == ".deleted" or gone
)


class MapsUsage(NamedTuple):
    total: int  # lines in /proc/PID/maps
    index_areas: int  # areas mapping index files (live + leaked + deleted)
    index_files_mapped: int  # distinct live index paths mapped
    leaked: int  # areas beyond the first for a path mapped more than once (resize leak)
    deleted: int  # index areas of pending deletes ('(deleted)' or .deleted suffix)
    remote_cache: int  # areas under remote-log-index-cache/
    other: int  # everything else (JVM, libraries, stacks, heap, arenas)


def classify_maps(lines: Iterable[str]) -> MapsUsage:
    """Count the areas of a /proc/PID/maps text by what they map."""
    total = 0
    remote = 0
    deleted = 0
    live: dict[str, int] = {}
    for line in lines:
        total += 1
        # Every index or cache path contains "index"; most non-index lines (libraries, stacks,
        # anonymous areas) do not, and are counted without further work.
        if "index" not in line:
            continue
        # The path is the only column holding a '/' (addresses, perms, device use none).
        slash = line.find("/")
        if slash < 0:
            continue
        path = line[slash:].rstrip("\n")
        if REMOTE_CACHE_DIR in path:
            remote += 1
        elif path.endswith(_LIVE_SUFFIXES):
            live[path] = live.get(path, 0) + 1
        elif path.endswith(_DELETED_SUFFIXES):
            deleted += 1
    live_areas = sum(live.values())
    index_areas = live_areas + deleted
    return MapsUsage(
        total=total,
        index_areas=index_areas,
        index_files_mapped=len(live),
        leaked=live_areas - len(live),
        deleted=deleted,
        remote_cache=remote,
        other=total - index_areas - remote,
    )


class ProcessFacts(NamedTuple):
    pid: int
    comm: str
    threads: int
    malloc_arena_max: int | None
    open_fds: int | None
    nofile_soft: int | None
    nofile_hard: int | None
    start_time: float  # epoch seconds
    maps: MapsUsage


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def _status_threads(status: str) -> int:
    for line in status.splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise ValueError("no Threads: line")


def _environ_int(environ: bytes, name: str) -> int | None:
    prefix = name.encode() + b"="
    for entry in environ.split(b"\0"):
        if entry.startswith(prefix):
            try:
                return int(entry[len(prefix) :])
            except ValueError:
                return None  # glibc ignores a value it cannot parse
    return None


def _limit(value: str) -> int | None:
    return None if value == "unlimited" else int(value)


def _nofile(limits: str) -> tuple[int | None, int | None]:
    for line in limits.splitlines():
        if line.startswith("Max open files"):
            soft, hard = line[len("Max open files") :].split()[:2]
            return _limit(soft), _limit(hard)
    return None, None


def boot_time(proc: str = "/proc") -> float:
    for line in _read_text(f"{proc}/stat").splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise FactsError(f"{proc}/stat has no btime line")


def _start_time(stat: str, btime: float) -> float:
    # comm (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    rest = stat[stat.rindex(")") + 2 :].split()
    ticks = int(rest[22 - 3])
    return btime + ticks / os.sysconf("SC_CLK_TCK")


def read_process(pid: int, proc: str = "/proc") -> ProcessFacts:
    """Facts about one process; FactsError if it is gone or cannot be read."""
    base = f"{proc}/{pid}"
    try:
        comm = _read_text(f"{base}/comm").rstrip("\n")
        threads = _status_threads(_read_text(f"{base}/status"))
        start = _start_time(_read_text(f"{base}/stat"), boot_time(proc))
        nofile_soft, nofile_hard = _nofile(_read_text(f"{base}/limits"))
        with open(f"{base}/maps", encoding="utf-8", errors="replace") as f:
            maps = classify_maps(f)
    except FileNotFoundError as e:
        raise FactsError(f"process {pid} is gone ({e.filename})") from e
    except ProcessLookupError as e:
        raise FactsError(f"process {pid} is gone") from e
    except PermissionError as e:
        raise FactsError(f"cannot read {e.filename}: permission denied") from e
    except ValueError as e:
        raise FactsError(f"unexpected content in {base}: {e}") from e
    try:
        with open(f"{base}/environ", "rb") as fb:
            arena_max = _environ_int(fb.read(), "MALLOC_ARENA_MAX")
    except OSError:
        arena_max = None  # another user's process; the model then assumes glibc's default
    try:
        open_fds: int | None = len(os.listdir(f"{base}/fd"))
    except OSError:
        open_fds = None
    return ProcessFacts(
        pid=pid,
        comm=comm,
        threads=threads,
        malloc_arena_max=arena_max,
        open_fds=open_fds,
        nofile_soft=nofile_soft,
        nofile_hard=nofile_hard,
        start_time=start,
        maps=maps,
    )


def read_max_map_count(proc: str = "/proc") -> int:
    path = f"{proc}/sys/vm/max_map_count"
    try:
        return int(_read_text(path).strip())
    except (OSError, ValueError) as e:
        raise FactsError(f"cannot read {path}: {e}") from e


def max_map_count_writable(proc: str = "/proc") -> bool:
    """Whether this process may set the live value (False in a container's read-only /proc/sys)."""
    # access(2) answers EROFS for a read-only mount, which a plain permission check misses.
    return os.access(f"{proc}/sys/vm/max_map_count", os.W_OK)


def _count_lines(path: str) -> int:
    count = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def top_map_processes(
    limit: int = 5, proc: str = "/proc", known: dict[int, tuple[str, int]] | None = None
) -> list[tuple[int, str, int]]:
    """(pid, comm, areas) of the processes holding the most map areas, largest first.

    `known`: pid -> (comm, areas) already counted (a broker's maps can be 100,000 lines).
    """
    known = known or {}
    found: list[tuple[int, str, int]] = [(pid, c, n) for pid, (c, n) in known.items() if n]
    for name in os.listdir(proc):
        if not name.isdigit() or int(name) in known:
            continue
        try:
            areas = _count_lines(f"{proc}/{name}/maps")
            comm = _read_text(f"{proc}/{name}/comm").rstrip("\n")
        except OSError:
            continue  # exited meanwhile, or not ours to read
        if areas:  # kernel threads have no address space of their own
            found.append((int(name), comm, areas))
    found.sort(key=lambda t: (-t[2], t[0]))
    return found[:limit]
