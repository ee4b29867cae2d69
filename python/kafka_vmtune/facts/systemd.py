"""The broker's systemd unit: its name, and its stop timeout. One parser for time spans."""

from __future__ import annotations

import math
import os
import re
import shlex
import shutil
import subprocess
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # the contracts are types only: no TypedDict is built at import
    from ..contracts import Service


# systemd.time(7) units, longest spelling first so "min" is not read as "m" + "in".
_UNITS = {
    "usec": 1e-6, "us": 1e-6, "\u03bcs": 1e-6,
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


def timespan_seconds(value: object) -> float:
    """Seconds in a systemd time span ("1min 30s", "5min", "90"); math.inf for "infinity".

    The one parser (TimeoutStopSec for the tune report and for the roll). A bare number is
    seconds, as in unit files. Raises ValueError on anything else, so a misread value can
    never pass for a long timeout.
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


def show_properties(text: str) -> dict[str, str]:
    """`systemctl show` output (KEY=VALUE lines) as a dict."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def unit_name(configured: str | None, reported: str | None, service_name: str) -> str:
    """The broker's unit: the operator's, else the one the broker was found by, else the
    service name; `.service` added when no suffix is given."""
    name = configured or reported or service_name
    return name if "." in name else f"{name}.service"


class StopTimeout(NamedTuple):
    unit: str
    seconds: float | None  # math.inf: no timeout; None: unknown
    raw: str
    error: str | None

    def short(self, budget: float) -> bool:
        return self.seconds is not None and self.seconds < budget

    def warning(self, budget: float, host: str | None = None) -> str | None:
        """The one text for a stop timeout below a controlled shutdown (tune report, roll)."""
        if not self.short(budget):
            return None
        on = f" on {host}" if host else ""
        return (
            f"{self.unit}{on} has TimeoutStopSec {self.raw}, shorter than the {budget:g} s a"
            " controlled shutdown may take: systemd would kill the broker half way (unclean"
            f" shutdown, log recovery on start). Set TimeoutStopSec={budget:g} or more in a"
            " drop-in."
        )


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
    props = show_properties(r.stdout)
    if r.returncode != 0 or props.get("LoadState") not in (None, "loaded"):
        why = (
            (r.stderr.strip() or f"rc {r.returncode}").splitlines()[0]
            if r.returncode != 0
            else f"unit {unit} is {props.get('LoadState')}"
        )
        return StopTimeout(unit, None, r.stdout.strip(), why)
    raw = props.get("TimeoutStopUSec", "").strip()
    try:
        return StopTimeout(unit, timespan_seconds(raw), raw, None)
    except ValueError:
        return StopTimeout(unit, None, raw, f"cannot parse TimeoutStopUSec={raw!r}")


def exec_argv(value: str) -> list[str]:
    """argv of `systemctl show -p ExecStart`: `{ path=... ; argv[]=A B C ; ... }`."""
    start = value.find("argv[]=")
    if start < 0:
        return []
    argv = value[start + len("argv[]=") :].split(" ; ", 1)[0]
    try:
        return shlex.split(argv)
    except ValueError:
        return argv.split()


_STATE_PROPS = (
    "ExecStart",
    "LoadState",
    "ActiveState",
    "SubState",
    "Result",
    "ExecMainCode",
    "ExecMainStatus",
    "NRestarts",
    "MainPID",
)


def unit_state(unit: str) -> Service | None:
    """What systemd says of a unit (loaded units only); None without systemd or unit."""
    systemctl = shutil.which("systemctl")
    if systemctl is None or not os.path.isdir("/run/systemd/system"):
        return None
    args = [systemctl, "show", *(f"--property={p}" for p in _STATE_PROPS), unit]
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    props = show_properties(r.stdout)
    if r.returncode != 0 or props.get("LoadState") != "loaded":
        return None

    def number(name: str) -> int | None:
        value = props.get(name, "")
        return int(value) if value.isdigit() else None

    return {
        "unit": unit,
        "active": props.get("ActiveState"),
        "sub": props.get("SubState"),
        "result": props.get("Result"),
        "exit_status": number("ExecMainStatus"),
        "restarts": number("NRestarts"),
        "main_pid": number("MainPID"),
        "argv": exec_argv(props.get("ExecStart", "")),
    }


def is_down(state: Service | None) -> bool:
    """A broker unit that exists but does not run: failed, or stopped (inactive)."""
    return state is not None and state.get("active") in ("failed", "inactive")


def unit_main_pid_or_reason(unit: str) -> tuple[int | None, str | None]:
    """(MainPID of a systemd unit, None) or (None, why there is none) for the operator."""
    try:
        out = subprocess.run(
            ["systemctl", "show", "-p", "MainPID", "--value", unit],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None, "systemd is not available (no systemctl command)"
    except subprocess.TimeoutExpired:
        return None, "systemctl did not answer within 30 s"
    if out.returncode != 0:
        detail = (out.stderr.strip().splitlines() or [f"exit code {out.returncode}"])[0]
        # sd_booted(): systemd runs as init exactly when this directory exists.
        if not os.path.isdir("/run/systemd/system"):
            return None, f"systemd is not available ({detail})"
        return None, f"systemctl show {unit} failed: {detail}"
    value = out.stdout.strip()
    if not value.isdigit() or int(value) == 0:
        return None, f"systemd unit {unit} has no running main process"
    return int(value), None
