"""The broker's systemd unit: its name, and its stop timeout. One parser for time spans."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import dataclass

_UNITS = {
    **dict.fromkeys(("us", "usec"), 1e-6),
    **dict.fromkeys(("ms", "msec"), 1e-3),
    **dict.fromkeys(("s", "sec", "second", "seconds"), 1.0),
    **dict.fromkeys(("m", "min", "minute", "minutes"), 60.0),
    **dict.fromkeys(("h", "hr", "hour", "hours"), 3600.0),
    **dict.fromkeys(("d", "day", "days"), 86400.0),
    **dict.fromkeys(("w", "week", "weeks"), 604800.0),
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")


def timespan_seconds(text: str) -> float | None:
    """A systemd time span ("1min 30s", "90", "infinity") in seconds.

    math.inf for infinity (no timeout at all), None when the text is not a time span.
    """
    text = text.strip().lower()
    if text == "infinity":
        return math.inf
    if not text:
        return None
    total, pos = 0.0, 0
    for m in _PART.finditer(text):
        if text[pos : m.start()].strip():
            return None
        unit = m.group(2) or "s"
        if unit not in _UNITS:
            return None
        total += float(m.group(1)) * _UNITS[unit]
        pos = m.end()
    return total if not text[pos:].strip() else None


def unit_name(configured: str | None, reported: str | None, service_name: str) -> str:
    """The broker's unit: the operator's, else the one the broker was found by, else the
    service name; `.service` added when no suffix is given."""
    name = configured or reported or service_name
    return name if "." in name else f"{name}.service"


@dataclass(frozen=True)
class StopTimeout:
    unit: str
    seconds: float | None  # math.inf: no timeout; None: unknown
    raw: str
    error: str | None

    def short(self, budget: float) -> bool:
        return self.seconds is not None and self.seconds < budget


def stop_timeout(unit: str) -> StopTimeout:
    """TimeoutStopSec of a unit, as systemd will apply it."""
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        return StopTimeout(unit, None, "", "systemd is not available (no systemctl)")
    r = subprocess.run(
        [systemctl, "show", "-p", "TimeoutStopUSec", "-p", "LoadState", unit],
        capture_output=True,
        text=True,
        check=False,
    )
    props = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
    if r.returncode != 0 or props.get("LoadState") not in (None, "loaded"):
        why = (
            (r.stderr.strip() or f"rc {r.returncode}").splitlines()[0]
            if r.returncode != 0
            else f"unit {unit} is {props.get('LoadState')}"
        )
        return StopTimeout(unit, None, r.stdout.strip(), why)
    raw = props.get("TimeoutStopUSec", "").strip()
    seconds = timespan_seconds(raw)
    error = None if seconds is not None else f"cannot parse TimeoutStopUSec={raw!r}"
    return StopTimeout(unit, seconds, raw, error)
