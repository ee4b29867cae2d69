"""node_exporter textfile collector output, written atomically.

node_exporter may read the file at any moment: write a temp file in the same directory,
fsync it, then os.replace() it over the target, so a scrape sees the old or the new file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import datetime

from ..contracts import Crash, HostReport
from ..errors import InputError

LEVELS = {"ok": 0, "warn": 1, "critical": 2}

_METRICS = (
    ("kafka_vmtune_max_map_count", "Live vm.max_map_count."),
    ("kafka_vmtune_map_areas_used", "Map areas (lines of /proc/PID/maps) the broker holds."),
    ("kafka_vmtune_index_areas", "Map areas of log segment indexes (live + leaked + deleted)."),
    ("kafka_vmtune_leaked_areas", "Stale index areas from the KAFKA-19390 resize leak."),
    ("kafka_vmtune_threads", "Threads of the broker process."),
    ("kafka_vmtune_required_areas", "Map areas the model requires, headroom included."),
    ("kafka_vmtune_recommended_max_map_count", "vm.max_map_count kafka-vmtune recommends."),
    ("kafka_vmtune_status", "0 ok, 1 warn, 2 critical."),
    ("kafka_vmtune_boot_max_map_count", "vm.max_map_count the sysctl files set at boot."),
)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def metrics(report: HostReport) -> dict[str, int | float | None]:
    maps, proc = report["maps"], report["process"]
    return {
        "kafka_vmtune_max_map_count": report["sysctl"]["live"],
        "kafka_vmtune_map_areas_used": maps["total"] if maps else None,
        "kafka_vmtune_index_areas": maps["index_areas"] if maps else None,
        "kafka_vmtune_leaked_areas": maps["leaked"] if maps else None,
        "kafka_vmtune_threads": proc["threads"] if proc else None,
        "kafka_vmtune_required_areas": report["model"]["required"],
        "kafka_vmtune_recommended_max_map_count": report["recommendation"]["recommended"],
        "kafka_vmtune_status": LEVELS[report["status"]["level"]],
        "kafka_vmtune_boot_max_map_count": report["sysctl"]["boot_value"],
    }


def render(report: HostReport) -> str:
    """Exposition format; metrics unknown on this host (no broker) are left out."""
    values = metrics(report)
    pid = report["kafka"]["pid"]
    labels = f'{{pid="{pid}"}}' if pid is not None else ""
    lines: list[str] = []
    for name, help_text in _METRICS:
        value = values[name]
        if value is None:
            continue
        lines += [f"# HELP {name} {_escape(help_text)}", f"# TYPE {name} gauge"]
        lines.append(f"{name}{labels} {value}")
    return "\n".join(lines) + "\n"


# What `diagnose` finds, so an alert fires on a crash nobody read an hs_err file for.
CRASH_WINDOW_S = 7 * 86400
CRASH_CAUSES = ("vm.max_map_count", "heap", "native-memory", "signal", "unknown")
_LAST_MAP_CRASH = "kafka_vmtune_last_map_count_crash_timestamp_seconds"


def render_crashes(crashes: list[Crash]) -> str:
    """Crashes of the last 7 days by cause (every cause, 0 included), and the time of the
    latest one from vm.max_map_count (left out when there is none)."""
    name = "kafka_vmtune_crashes"
    lines = [
        f"# HELP {name} JVM crashes diagnose found on this host in the last 7 days, by cause.",
        f"# TYPE {name} gauge",
    ]
    for cause in CRASH_CAUSES:
        count = sum(1 for c in crashes if c["cause"] == cause)
        lines.append(f'{name}{{cause="{_escape(cause)}"}} {count}')
    times = [
        datetime.fromisoformat(c["time"]).timestamp()
        for c in crashes
        if c["cause"] == CRASH_CAUSES[0] and c["time"] is not None
    ]
    if times:
        lines += [
            f"# HELP {_LAST_MAP_CRASH} Time of the latest crash from vm.max_map_count.",
            f"# TYPE {_LAST_MAP_CRASH} gauge",
            f"{_LAST_MAP_CRASH} {max(times):.0f}",
        ]
    return "\n".join(lines) + "\n"


def check_target(path: str) -> None:
    """Fail before any work if the file could not be written."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError(f"--prometheus: directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError(f"--prometheus: directory {directory} is not writable")
    if os.path.isdir(path):
        raise InputError(f"--prometheus: {path} is a directory")


def write_atomic(path: str, text: str) -> None:
    check_target(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".kafka_vmtune.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)
