"""Every JVM crash on a host and why it died: `kafka-vmtune diagnose`.

One crash per JVM that died, from its hs_err file, the fatal-error banner on its console
(kafkaServer.out, the journal) and Kafka's "Map failed" log entries, matched by PID, the
hs_err path the banner names, or time. Causes: vm.max_map_count (map areas at the crash at
or within 1% of the limit, or a "Map failed"), heap, native-memory (an mmap/malloc
failure well below the map limit), signal, unknown. Nothing is written.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from ..errors import InputError
from . import crash_sources
from .evidence import Reader, candidates
from .hs_err import ConsoleCrash, Fatal, HsErr, console_crashes, log_map_failures

if TYPE_CHECKING:  # the contracts are types only: no TypedDict is built at import
    from ..contracts import Crash as CrashJSON
    from ..contracts import Diagnosis

MAP_COUNT = "vm.max_map_count"
CAUSES = (MAP_COUNT, "heap", "native-memory", "signal", "unknown")
GROUP_SECONDS = 600  # "Map failed" entries this close are one failure; a crash follows within
# timezone(timedelta(0)), not datetime.UTC: hosts may run Python 3.8.
_UTC = timezone(timedelta(0))


@dataclass
class Crash:
    time: float | None
    pid: int | None
    cause: str
    map_areas: int | None
    max_map_count_at_crash: int | None
    evidence: list[str]
    detail: str
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> CrashJSON:
        when = None
        if self.time is not None:
            when = datetime.fromtimestamp(self.time, _UTC).isoformat(timespec="seconds")
        return {
            "time": when,
            "pid": self.pid,
            "cause": self.cause,
            "map_areas": self.map_areas,
            "max_map_count_at_crash": self.max_map_count_at_crash,
            "evidence": self.evidence,
            "detail": "; ".join([self.detail, *self.notes]),
        }


def near_limit(areas: int, limit: int) -> bool:
    """At the limit, or within 1% of it (areas freed between the failure and the report)."""
    return areas >= limit - max(64, limit // 100)


def classify(
    fatal: Fatal, map_failed: bool, areas: int | None, limit: int | None, memory: str | None = None
) -> tuple[str, str]:
    """Cause and the figures that prove it."""
    said = f'"{fatal.reason}"'
    if fatal.kind == "heap":
        return "heap", f"{said}: the Java heap (or metaspace) limit, not the host's memory"
    if fatal.kind == "signal":
        return "signal", said
    if fatal.kind != "native" and not map_failed:
        return "unknown", said
    what = said if fatal.kind == "native" else '"Map failed" (an mmap the kernel refused)'
    if areas is not None and limit is not None:
        share = f"{areas} map areas at the crash, limit {limit} ({areas / limit:.0%})"
        if near_limit(areas, limit):
            return MAP_COUNT, f"{share}: {what}"
        mem = f"; memory: {memory}" if memory else ""
        return "native-memory", f"{share}, well below the limit: {what}{mem}"
    if map_failed:
        return MAP_COUNT, f"{what}; the map count at the crash is not recorded here"
    return "unknown", f"{what}; the map count at the crash is not recorded, cause not proven"


def _crash_from_hs_err(path: str, h: HsErr) -> Crash:
    cause, detail = classify(h.fatal, h.map_failed, h.map_areas, h.max_map_count_at_crash, h.memory)
    crash = Crash(h.time, h.fatal.pid, cause, h.map_areas, h.max_map_count_at_crash, [path], detail)
    if h.command:
        crash.notes.append(f"command: {h.command[:200]}")
    if not h.complete:
        crash.notes.append("the file is incomplete (the JVM did not finish writing it)")
    return crash


def _crash_from_banner(c: ConsoleCrash, when: float | None, where: str) -> Crash:
    cause, detail = classify(c.fatal, False, None, None)
    crash = Crash(when, c.fatal.pid, cause, None, None, [where], detail)
    if c.hs_err:
        crash.notes.append(
            f"its hs_err file {c.hs_err} was not read (missing, or outside the"
            " searched paths: add it with --search)"
        )
    return crash


class _Found:
    def __init__(self) -> None:
        self.crashes: list[Crash] = []
        self.by_hs_err: dict[str, Crash] = {}
        self.map_failed: list[tuple[float | None, str]] = []

    def banner(self, c: ConsoleCrash, when: float | None, where: str) -> None:
        """Attach a console banner to the crash it reports, else record it on its own."""
        real = os.path.realpath(c.hs_err) if c.hs_err else None
        match = self.by_hs_err.get(real) if real else None
        if match is None and c.fatal.pid is not None:
            match = next((k for k in self.crashes if k.pid == c.fatal.pid), None)
        if match is not None:
            if where not in match.evidence:
                match.evidence.append(where)
            return
        self.crashes.append(_crash_from_banner(c, when, where))

    def text(self, data: bytes, mtime: float, where: str) -> None:
        for c in console_crashes(data):
            self.banner(c, mtime, where)
        self.map_failed += [(t, where) for t in log_map_failures(data, mtime)]

    def journal(self, unit: str, lines: list[crash_sources.JournalLine]) -> None:
        where = f"journal:{unit}"
        by_pid: dict[int | None, list[crash_sources.JournalLine]] = {}
        for line in lines:
            by_pid.setdefault(line.pid, []).append(line)
            if "Map failed" in line.text:
                self.map_failed.append((line.time, where))
        for entries in by_pid.values():
            data = "\n".join(e.text for e in entries).encode()
            for c in console_crashes(data):
                # The banner's own journal entry dates it.
                first = next((e for e in entries if "Java Runtime Environment" in e.text), None)
                self.banner(c, first.time if first else entries[-1].time, where)

    def log_failures(self) -> None:
        """Group "Map failed" entries; a group right before a crash belongs to it."""
        groups: list[list[tuple[float | None, str]]] = []
        for t, where in sorted(self.map_failed, key=lambda x: (x[0] is None, x[0] or 0.0)):
            last = groups[-1][-1][0] if groups else None
            if groups and t is not None and last is not None and t - last <= GROUP_SECONDS:
                groups[-1].append((t, where))
            else:
                groups.append([(t, where)])
        for group in groups:
            start = group[0][0]
            paths = list(dict.fromkeys(w for _, w in group))
            match = None
            if start is not None:
                match = next(
                    (
                        k
                        for k in self.crashes
                        if k.time is not None and -60 <= k.time - start <= GROUP_SECONDS
                    ),
                    None,
                )
            if match is not None:
                match.evidence += [p for p in paths if p not in match.evidence]
                continue
            cause, detail = classify(Fatal("other", "", None), True, None, None)
            self.crashes.append(
                Crash(
                    start,
                    None,
                    cause,
                    None,
                    None,
                    paths,
                    f"{detail}: Kafka logged an index mmap failure",
                )
            )


def find_crashes(
    places: crash_sources.Places, since: float | None
) -> tuple[list[Crash], list[str]]:
    """Crashes in the given places (newer than `since`), and the evidence refused."""
    reader = Reader(
        dirs={os.path.realpath(d) for d in places.dirs},
        files={os.path.realpath(f) for f in places.files},
        owners=frozenset(places.owners),
        trusted=frozenset(places.trusted),
    )
    reader.skipped += places.refused
    found = _Found()
    picked = candidates(places, since)
    for c in picked:
        if c.kind == "hs_err":
            h = reader.hs_err(c.path)
            if h is not None:
                crash = _crash_from_hs_err(os.path.realpath(c.path), h)
                found.crashes.append(crash)
                found.by_hs_err[os.path.realpath(c.path)] = crash
    for c in picked:
        if c.kind == "text":
            got = reader.tail(c.path)
            if got is not None:
                found.text(got[0], got[1], os.path.realpath(c.path))
    for unit in places.units:
        found.journal(unit, crash_sources.read_journal(unit, since))
    found.log_failures()
    crashes = [k for k in found.crashes if since is None or k.time is None or k.time >= since]
    crashes.sort(key=lambda k: (k.time is None, k.time or 0.0))
    return crashes, reader.skipped


def diagnose(
    search: Sequence[str],
    since_seconds: float | None,
    brokers: dict[int, tuple[str, ...]] | None = None,
) -> Diagnosis:
    """The `diagnose` report: schema 1, one entry per crash, plus where it looked.
    `brokers`: the caller's search of /proc for kafka.Kafka JVMs, when it made one."""
    for path in search:
        if not os.path.exists(path):
            raise InputError(f"--search {path}: no such file or directory")
    places = crash_sources.discover(search, brokers=brokers)
    since = time.time() - since_seconds if since_seconds is not None else None
    crashes, skipped = find_crashes(places, since)
    return {
        "schema": 1,
        "crashes": [k.as_dict() for k in crashes],
        "searched": [*places.dirs, *places.files, *(f"journal:{u}" for u in places.units)],
        "skipped": skipped,
    }
