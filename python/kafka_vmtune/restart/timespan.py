"""systemd time spans ("1min 30s", "5min", "infinity", "90") as seconds.

`systemctl show -p TimeoutStopUSec --value UNIT` prints a human time span, not
microseconds; the roll compares it with the controlled shutdown budget.
"""

from __future__ import annotations

import math
import re

# systemd.time(7) units, longest spelling first so "min" is not read as "m" + "in".
_UNITS = {
    "usec": 1e-6, "us": 1e-6, "μs": 1e-6,
    "msec": 1e-3, "ms": 1e-3,
    "seconds": 1.0, "second": 1.0, "sec": 1.0, "s": 1.0,
    "minutes": 60.0, "minute": 60.0, "min": 60.0, "m": 60.0,
    "hours": 3600.0, "hour": 3600.0, "hr": 3600.0, "h": 3600.0,
    "days": 86400.0, "day": 86400.0, "d": 86400.0,
    "weeks": 604800.0, "week": 604800.0, "w": 604800.0,
    "months": 2629800.0, "month": 2629800.0, "M": 2629800.0,
    "years": 31557600.0, "year": 31557600.0, "y": 31557600.0,
}  # fmt: skip
_TERM = re.compile(
    r"\s*(\d+(?:\.\d+)?)\s*("
    + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
    + r")?"
)


def systemd_timespan_seconds(value: object) -> float:
    """Seconds in a systemd time span; math.inf for "infinity" (no stop timeout).

    A bare number is seconds, as in unit files. Raises ValueError on anything else so a
    misread value can never pass for a long timeout.
    """
    text = str(value).strip()
    if text in ("infinity", "inf"):
        return math.inf
    if not text:
        raise ValueError("empty systemd time span")
    total, pos = 0.0, 0
    while pos < len(text):
        match = _TERM.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"not a systemd time span: {text!r}")
        total += float(match.group(1)) * _UNITS[match.group(2) or "s"]
        pos = match.end()
        while pos < len(text) and text[pos] == " ":
            pos += 1
    return total
