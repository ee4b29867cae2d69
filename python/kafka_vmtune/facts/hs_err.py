"""Read the JVM's crash evidence: hs_err files, its console output, Kafka's "Map failed".

Everything works on bytes with bytes.find/count, so an hs_err file of 80,000 lines (the
maps of a JVM at the limit) is read in milliseconds: nothing is split into lines except
the header. Formats are HotSpot's (JDK 8 to 21): `Time:`/`time:`, `Command Line:`/
`java_command:`, the `Dynamic libraries:` section (the process's /proc/self/maps at the
crash) and `/proc/sys/vm/max_map_count (...): N` (JDK 17+).
"""

from __future__ import annotations

import re
import time
from typing import NamedTuple

MAP_FAILED = b"Map failed"
# The JVM's own out-of-memory death, on its console and in the hs_err header.
NATIVE = ("Native memory allocation", "Out of Memory Error", "unable to create native thread")
HEAP = (
    "Java heap space",
    "GC overhead limit exceeded",
    "Metaspace",
    "Compressed class space",
    "Requested array size exceeds VM limit",
)
# Patterns compiled on first use (re.compile caches them): a host whose crash search finds
# no file never compiles them.
_SIGNAL = r"^(SIG[A-Z]+) \(0x[0-9a-f]+\) at pc="
_PID = rb"pid=(\d+)"
_FILE_PID = r"pid(\d+)"
_LIMIT = rb"/proc/sys/vm/max_map_count \([^)]*\): *(\d+)"
_MEMORY = rb"\nMemory: [^,\n]*, (physical [^\n]*)"
_COMMAND = rb"\n(?:Command Line|java_command): *([^\n]*)"
_TIME = rb"\n[Tt]ime: *([A-Z][a-z]{2} [A-Z][a-z]{2} +\d+ [\d:]+ \d{4})(?: ([A-Za-z+\-\d]+))?"
_SAVED = rb"# An error report file with more information is saved as:\n#? ?([^\n]+)"
_LOG4J = rb"(?m)^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)[,.]\d+\] "
HEADER_BYTES = 16 * 1024
SECTION_END = b"\n\n"


class Fatal(NamedTuple):
    """What the JVM said it died of (hs_err header or console block)."""

    kind: str  # native | heap | signal | other
    reason: str  # the line that says so
    pid: int | None


class HsErr(NamedTuple):
    fatal: Fatal
    time: float | None  # epoch seconds, from `Time:`
    map_failed: bool  # an OutOfMemoryError "Map failed" is among the recorded events
    map_areas: int | None  # entries under "Dynamic libraries" without [vsyscall]
    max_map_count_at_crash: int | None  # vm.max_map_count recorded at the crash
    memory: str | None  # "physical 24684084k(21283952k free), swap 0k(0k free)"
    command: str | None
    complete: bool  # the JVM finished writing the file ("END.")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").strip()


def _header_lines(block: bytes) -> list[str]:
    """The `#` lines of a fatal-error banner, without the `#` and blank ones."""
    out: list[str] = []
    for raw in block.split(b"\n"):
        if not raw.startswith(b"#"):
            if out:
                break
            continue
        line = _text(raw[1:])
        if line:
            out.append(line)
    return out


def fatal_from_banner(block: bytes) -> Fatal:
    """Classify a HotSpot fatal-error banner (`# ...` lines) by what it names."""
    lines = _header_lines(block)
    pid_match = re.compile(_PID).search(block)
    pid = int(pid_match.group(1)) if pid_match else None
    for line in lines:
        if any(n in line for n in NATIVE) and "Possible" not in line:
            return Fatal("native", line, pid)
    for line in lines:
        if any(h in line for h in HEAP):
            return Fatal("heap", line, pid)
    for i, line in enumerate(lines):
        sig = re.compile(_SIGNAL).match(line)
        if sig:
            frame = next(
                (
                    lines[j + 1]
                    for j in range(i, len(lines) - 1)
                    if lines[j] == "Problematic frame:"
                ),
                "",
            )
            return Fatal("signal", f"{line.split(',')[0]}{'; ' + frame if frame else ''}", pid)
    skip = ("A fatal error has been detected", "There is insufficient memory", "JRE version")
    said = [ln for ln in lines if not ln.startswith(skip)][:2]  # the error and its message
    return Fatal("other", "; ".join(said) or "no reason recorded", pid)


def _epoch(stamp: str, zone: str | None, fallback: float | None) -> float | None:
    """HotSpot prints local time and the zone's abbreviation; only UTC/GMT or this host's
    own zone can be converted without a zone database, else the file's mtime is used."""
    try:
        parsed = time.strptime(" ".join(stamp.split()), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return fallback
    if zone in ("UTC", "GMT", "Z"):
        import calendar  # only for an hs_err file stamped in UTC: not on every broker run

        return float(calendar.timegm(parsed))
    if zone is None or zone in time.tzname:
        return time.mktime(parsed)
    return fallback


def _dynamic_libraries(data: bytes) -> int | None:
    start = data.find(b"\nDynamic libraries:\n")
    if start < 0:
        return None
    start += len(b"\nDynamic libraries:\n")
    end = data.find(SECTION_END, start)
    if end < 0:
        return None  # cut inside the section: the count would be a lower bound only
    lines = data.count(b"\n", start, end) + 1
    # [vsyscall] is the last line of x86_64 maps, and no map area the kernel counts.
    return lines - (1 if data.find(b"[vsyscall]", max(start, end - 200), end) >= 0 else 0)


def parse_hs_err(data: bytes, name: str, mtime: float | None) -> HsErr:
    """An hs_err file's facts; any part may be missing from a truncated file."""
    fatal = fatal_from_banner(data[:HEADER_BYTES])
    if fatal.pid is None:
        m = re.compile(_FILE_PID).search(name)
        fatal = Fatal(fatal.kind, fatal.reason, int(m.group(1)) if m else None)
    # Regular expressions run outside the map section: it is nearly all of the file.
    start = data.find(b"\nDynamic libraries:\n")
    end = data.find(SECTION_END, start + 1) if start >= 0 else -1
    before, after = (data[:start], data[end:]) if end >= 0 else (data, b"")
    stamp = re.compile(_TIME).search(before)
    when = (
        _epoch(_text(stamp.group(1)), _text(stamp.group(2)) if stamp.group(2) else None, mtime)
        if stamp
        else mtime
    )
    limit = re.compile(_LIMIT).search(after)
    memory = re.compile(_MEMORY).search(after)
    command = re.compile(_COMMAND).search(before)
    return HsErr(
        fatal=fatal,
        time=when,
        map_failed=before.find(MAP_FAILED) >= 0 or after.find(MAP_FAILED) >= 0,
        map_areas=_dynamic_libraries(data),
        max_map_count_at_crash=int(limit.group(1)) if limit else None,
        memory=_text(memory.group(1)) if memory else None,
        command=_text(command.group(1)) if command else None,
        complete=data[-256:].rstrip().endswith(b"\nEND."),
    )


class ConsoleCrash(NamedTuple):
    """A fatal-error banner the JVM printed on its console (kafkaServer.out, the journal)."""

    fatal: Fatal
    hs_err: str | None  # the file the banner says it wrote


_BANNERS = (
    b"# There is insufficient memory for the Java Runtime Environment",
    b"# A fatal error has been detected by the Java Runtime Environment",
)


def console_crashes(data: bytes) -> list[ConsoleCrash]:
    """Every fatal-error banner in console output, in order."""
    found = []
    starts = sorted(i for b in _BANNERS for i in _all(data, b))
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else min(len(data), start + HEADER_BYTES)
        block = data[start:end]
        saved = re.compile(_SAVED).search(block)
        hs_err = _text(saved.group(1)) if saved else None
        fatal = fatal_from_banner(block)
        if fatal.pid is None and hs_err:
            m = re.compile(_FILE_PID).search(hs_err)
            fatal = Fatal(fatal.kind, fatal.reason, int(m.group(1)) if m else None)
        found.append(ConsoleCrash(fatal, hs_err))
    return found


def _all(data: bytes, needle: bytes) -> list[int]:
    out = []
    i = data.find(needle)
    while i >= 0:
        out.append(i)
        i = data.find(needle, i + len(needle))
    return out


def log_map_failures(data: bytes, fallback: float | None) -> list[float | None]:
    """Times of the log4j entries (server.log layout, host-local time) that hold a
    "Map failed": the entry is the last `[yyyy-mm-dd hh:mm:ss,SSS]` line before it."""
    times: list[float | None] = []
    for at in _all(data, MAP_FAILED):
        entry = None
        for found in re.compile(_LOG4J).finditer(data, max(0, at - HEADER_BYTES), at):
            entry = found
        if entry is None:
            times.append(fallback)
            continue
        try:
            times.append(time.mktime(time.strptime(_text(entry.group(1)), "%Y-%m-%d %H:%M:%S")))
        except ValueError:
            times.append(fallback)
    return times
