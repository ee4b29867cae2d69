"""The broker unit's drop-in (LimitNOFILE, MALLOC_ARENA_MAX): text, apply, restart verdict."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..facts.boot import MARKER
from ..facts.systemd import StopTimeout
from ..plan.plan import never_lower, restart_decision
from .sysctl_file import read, write_atomic

if TYPE_CHECKING:
    from ..contracts import FileDiff, HostReport, LimitsApplied, StopTimeoutCheck

_NOFILE = re.compile(r"(?m)^LimitNOFILE=(\d+)")


def render(nofile: int | None, arena: int | None) -> str:
    lines = [
        f"# {MARKER} (collection kafka_vmtune.kafka, role broker_limits). Local edits are"
        " overwritten.",
        "# Takes effect when the broker restarts (tune-vm.yml's rolling restart, policy auto).",
        "[Service]",
    ]
    if nofile is not None:
        lines += [
            "# Open files: every segment keeps its .log open; segments + connections + margin.",
            f"LimitNOFILE={nofile}",
        ]
    if arena is not None:
        lines += [
            "# glibc malloc arenas cost map areas too (about 2 each, up to 8 x CPUs by default).",
            f"Environment=MALLOC_ARENA_MAX={arena}",
        ]
    return "\n".join(lines) + "\n"


def apply(
    report: HostReport, path: str, stop: StopTimeout | None, budget: float, *, check: bool
) -> LimitsApplied:
    """Write the drop-in the plan asks for (never lowering LimitNOFILE); say if a restart is due."""
    plan = report["plan"]
    old = read(path)
    existing = _existing_nofile(old)
    nofile = never_lower(plan["nofile"], existing) if plan["nofile"] is not None else None
    arena = plan["malloc_arena_max"]
    content = render(nofile, arena)
    write = old != content
    if write and not check:
        write_atomic(path, content)
    process = report["process"]
    restart = restart_decision(
        bool(report["kafka"]["found"]),
        process["nofile_soft"] if process else None,
        process["malloc_arena_max"] if process else None,
        nofile,
        arena,
    )
    required: dict[str, int] = {}
    if nofile is not None:
        required["nofile_soft"] = nofile
    if arena is not None:
        required["malloc_arena_max"] = arena
    would = "would change" if check else "changed"
    lines = [
        f"{path}: {would if write else 'unchanged'} (LimitNOFILE"
        f" {nofile if nofile is not None else 'not managed'}, MALLOC_ARENA_MAX"
        f" {arena if arena is not None else 'not managed'})",
        ("restart due (takes effect at the next start): " + restart.reason)
        if restart.do
        else "no restart due",
    ]
    if stop is not None:
        lines.append(stop_line(stop, budget))
    diff: FileDiff | None = None
    if write:
        diff = {"before": old or "", "after": content, "before_header": path, "after_header": path}
    return {
        "changed": write,
        "diff": diff,
        "limits": {
            "dropin": path,
            "unit": stop.unit if stop else None,
            "action": "write" if write else "keep",
            "nofile": nofile,
            "malloc_arena_max": arena,
        },
        "restart_due": restart.do,
        "restart_reasons": restart.reason.split("; ") if restart.do else [],
        "required_process": required,
        "lines": lines,
    }


def stop_record(stop: StopTimeout, budget: float) -> StopTimeoutCheck:
    seconds = None if stop.seconds is None or stop.seconds == float("inf") else stop.seconds
    return {
        "unit": stop.unit,
        "seconds": seconds,
        "infinite": stop.seconds == float("inf"),
        "raw": stop.raw,
        "error": stop.error,
        "short": stop.short(budget),
    }


def stop_line(stop: StopTimeout, budget: float) -> str:
    warning = stop.warning(budget)
    if warning is not None:
        return f"WARNING: {warning}"
    if stop.error:
        return f"TimeoutStopSec of {stop.unit} could not be checked: {stop.error}"
    return f"{stop.unit} TimeoutStopSec {stop.raw}: enough for a controlled shutdown"


def _existing_nofile(text: str | None) -> int | None:
    m = _NOFILE.search(text or "")
    return int(m.group(1)) if m else None
