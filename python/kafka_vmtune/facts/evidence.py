"""Evidence files read safely: only inside the searched directories, in bounded pieces.

A file is read only when, after resolving symlinks, it lies directly in a searched
directory (or is a file named with --search): a link from /tmp to anywhere else is refused.
hs_err files are read whole up to 64 MiB; beyond, the head, the tail and the map section
counted chunk by chunk. Logs and console files: their last 8 MiB, at most 64 MiB per run.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from typing import NamedTuple

from .crash_sources import Places, user_name
from .hs_err import HsErr, parse_hs_err
from .safe_open import open_regular, read_bytes

HS_ERR_CAP = 64 * 1024 * 1024
TAIL = 1024 * 1024
LOG_TAIL = 8 * 1024 * 1024
LOG_BUDGET = 64 * 1024 * 1024
_CHUNK = 16 * 1024 * 1024


class Reader:
    """Opens evidence only inside the searched directories; counts what it refuses.

    `owners`: uids whose files count (root, the brokers' users) in directories found on
    our own; in `trusted` places (named with --search) any owner counts.
    """

    def __init__(
        self,
        dirs: set[str],
        files: set[str],
        log_budget: int = LOG_BUDGET,
        owners: frozenset[int] | None = None,
        trusted: frozenset[str] = frozenset(),
    ) -> None:
        self.dirs = dirs
        self.files = files
        self.skipped: list[str] = []
        self.log_budget = log_budget
        self.owners = owners
        self.trusted = trusted

    def allowed(self, path: str) -> str | None:
        real = os.path.realpath(path)
        if real in self.files or os.path.dirname(real) in self.dirs:
            return real
        self.skipped.append(f"{path}: resolves to {real}, outside the searched paths")
        return None

    def open(self, path: str) -> tuple[int, os.stat_result] | None:
        real = self.allowed(path)
        if real is None:
            return None
        try:
            fd = open_regular(real)  # a FIFO named like evidence must not hang the run
        except OSError as e:
            self.skipped.append(f"{path}: {e.strerror}")
            return None
        st = os.fstat(fd)
        named = real in self.trusted or os.path.dirname(real) in self.trusted
        if self.owners is not None and st.st_uid not in self.owners and not named:
            os.close(fd)
            self.skipped.append(
                f"{path}: owned by {user_name(st.st_uid)}, neither root nor a broker's user"
                " (anyone can write there: not evidence)"
            )
            return None
        return fd, st

    def hs_err(self, path: str) -> HsErr | None:
        opened = self.open(path)
        if opened is None:
            return None
        fd, st = opened
        try:
            if st.st_size <= HS_ERR_CAP:
                return parse_hs_err(_pread(fd, 0, st.st_size), path, st.st_mtime)
            head = _pread(fd, 0, HS_ERR_CAP)
            tail = _pread(fd, st.st_size - TAIL, TAIL)
            parsed = parse_hs_err(head + b"\n\n" + tail, path, st.st_mtime)
            areas = _count_section(fd, head.find(b"\nDynamic libraries:\n"), st.st_size)
            return parsed._replace(map_areas=areas)
        finally:
            os.close(fd)

    def tail(self, path: str) -> tuple[bytes, float] | None:
        if self.log_budget <= 0:
            self.skipped.append(f"{path}: not read, {LOG_BUDGET} bytes of logs read already")
            return None
        opened = self.open(path)
        if opened is None:
            return None
        fd, st = opened
        try:
            size = min(st.st_size, LOG_TAIL, self.log_budget)
            self.log_budget -= size
            return _pread(fd, st.st_size - size, size), st.st_mtime
        finally:
            os.close(fd)


def _pread(fd: int, offset: int, size: int) -> bytes:
    chunks, done = [], 0
    while done < size:
        chunk = os.pread(fd, min(size - done, _CHUNK), offset + done)
        if not chunk:
            break
        chunks.append(chunk)
        done += len(chunk)
    return b"".join(chunks)


def _count_section(fd: int, start: int, size: int) -> int | None:
    """Map areas of a "Dynamic libraries" section too big to hold: counted chunk by chunk."""
    if start < 0:
        return None
    offset = start + len(b"\nDynamic libraries:\n")
    lines, vsyscall, prev = 0, 0, b""
    while offset < size:
        chunk = os.pread(fd, _CHUNK, offset)
        if not chunk:
            break
        window = prev + chunk
        end = window.find(b"\n\n")
        if end >= 0:
            if end < len(prev):
                lines -= 1  # the previous chunk's last newline starts the blank line
            else:
                lines += window.count(b"\n", len(prev), end)
            return lines + 1 - (vsyscall or int(b"[vsyscall]" in window[:end]))
        lines += chunk.count(b"\n")
        vsyscall = vsyscall or int(b"[vsyscall]" in window)
        prev, offset = chunk[-1:], offset + len(chunk)
    return None


class Candidate(NamedTuple):
    path: str
    kind: str  # hs_err | text (console output or a Kafka log)
    mtime: float


def _kind(name: str, patterns: Iterable[str]) -> str | None:
    if name.startswith("hs_err") or any(fnmatch.fnmatch(name, p) for p in patterns):
        return "hs_err"
    if name.endswith(".gz"):
        return None
    if name.startswith(("kafkaServer.out", "server.log")) or name.endswith(".out"):
        return "text"
    return None


def _sniff(path: str) -> str:
    """A file named with --search: an hs_err file if it starts like one, else text."""
    try:
        head = read_bytes(path, limit=4096)
    except OSError:
        return "text"
    return "hs_err" if b"S U M M A R Y" in head or head.startswith(b"#\n# ") else "text"


def candidates(places: Places, since: float | None) -> list[Candidate]:
    """Evidence files in the searched places, newest first; older than --since: left out."""
    named: list[tuple[str, str | None]] = [(p, None) for p in places.files]
    for d in places.dirs:
        # Every entry, however many: anyone may fill /tmp to push a crash out of a capped
        # listing. The name test is cheap; only evidence names are kept (and stat'ed).
        try:
            with os.scandir(d) as it:
                for entry in it:
                    what = _kind(entry.name, places.patterns)
                    if what is not None:
                        named.append((entry.path, what))
        except OSError:
            continue
    found: dict[str, Candidate] = {}
    for path, kind in named:
        if kind is None and path not in places.files:
            continue
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            continue
        if since is None or mtime >= since:
            what = kind or _kind(os.path.basename(path), places.patterns) or _sniff(path)
            found.setdefault(os.path.realpath(path), Candidate(path, what, mtime))
    return sorted(found.values(), key=lambda c: -c.mtime)
