"""The host plan: what tune-vm.yml will set on one host, and why. Pure functions.

Decided once, here, from the host report; the roles apply it and never re-derive it.
"Never lower" lives in never_lower() and nowhere else: the value written, the live value
and the open-file limit only go up.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, cast

from ..contracts import Plan
from ..sizing.recommend import KERNEL_DEFAULT


def never_lower(wanted: int, *current: int | None) -> int:
    """The value to set: what is wanted, or a higher value already in place."""
    return max([wanted, *(c for c in current if c is not None)])


class Step(NamedTuple):
    do: bool
    reason: str


class HostPlan(NamedTuple):
    target: int  # vm.max_map_count to persist and apply
    wanted: int  # the recommendation, or the operator's fixed value
    needed: (
        int  # what this host needs before "never lower": the fixed value, or max(required, floor)
    )
    required: int  # the model's need (with headroom)
    live: int
    boot_value: int | None  # what the sysctl files set at boot today (None: kernel default)
    after_reboot: int  # what a reboot gives once the plan is applied
    raise_live: Step
    persist: Step
    nofile: int | None  # LimitNOFILE for the broker's unit (None: not managed)
    malloc_arena_max: int | None
    restart: Step
    action: str  # keep | raise live | persist | raise live and persist

    def as_dict(self) -> Plan:
        d = {k: v._asdict() if isinstance(v, Step) else v for k, v in self._asdict().items()}
        return cast(Plan, d)


def _live_step(live: int, target: int, writable: bool, apply_live: bool) -> Step:
    if live >= target:
        return Step(False, f"live {live} already >= {target}")
    if not apply_live:
        return Step(False, f"live {live} < {target}, but kafka_vmtune_apply_live is false")
    if not writable:
        return Step(
            False,
            f"live {live} < {target}, but /proc/sys is read-only here (a container?):"
            " set it on the machine that owns the kernel; the file applies at its next boot",
        )
    return Step(True, f"raise live {live} -> {target} (takes effect at once, no restart)")


def _persist_step(ours: int | None, boot: int | None, target: int, required: int) -> Step:
    if ours == target:
        return Step(False, f"our sysctl.d file already sets {target}")
    after = boot if boot is not None else KERNEL_DEFAULT
    why = (
        f"after a reboot it would be {after}"
        + (" (kernel default)" if boot is None else "")
        + (f", below the required {required}" if after < required else "")
    )
    return Step(True, f"persist {target} in our sysctl.d file: {why}")


def restart_step(
    found: bool, process: dict[str, Any], nofile: int | None, arena: int | None
) -> Step:
    if not found:
        return Step(False, "no running broker")
    reasons = []
    soft = process.get("nofile_soft")
    if nofile is not None and (soft is None or soft < nofile):
        reasons.append(f"broker runs with {soft} open files allowed, the unit will set {nofile}")
    if arena is not None and process.get("malloc_arena_max") != arena:
        running = process.get("malloc_arena_max")
        reasons.append(
            f"broker runs with MALLOC_ARENA_MAX {running if running is not None else 'unset'},"
            f" the unit will set {arena}"
        )
    if reasons:
        return Step(True, "; ".join(reasons))
    return Step(False, "vm.max_map_count takes effect without a restart")


def make_plan(report: Mapping[str, Any], options: Mapping[str, Any]) -> HostPlan:
    """The plan for one host report (the `sysctl`, `recommendation`, `model` sections)."""
    sysctl = report["sysctl"]
    rec = report["recommendation"]
    live = int(sysctl["live"])
    boot = sysctl.get("boot_value")
    fixed = options.get("max_map_count")
    wanted = int(fixed) if fixed is not None else int(rec["recommended"])
    required = int(rec["required"])
    target = never_lower(wanted, live, boot)
    ours = sysctl.get("ours_value")
    raise_live = _live_step(live, target, bool(sysctl.get("writable")), bool(options["apply_live"]))
    persist = _persist_step(ours, boot, target, required)
    overridden = list(sysctl.get("overridden_by") or [])
    after_reboot = target if not overridden else min(target, boot or KERNEL_DEFAULT)
    process = report.get("process") or {}
    nofile: int | None = None
    if options.get("manage_nofile"):
        fixed_nofile = options.get("nofile")
        nofile = never_lower(
            int(fixed_nofile) if fixed_nofile is not None else int(rec["nofile"]["recommended"]),
            process.get("nofile_soft"),
            process.get("nofile_hard"),
        )
    arena = options.get("malloc_arena_max")
    restart = restart_step(bool(report["kafka"]["found"]), process, nofile, arena)
    steps = [s for s, step in (("raise live", raise_live), ("persist", persist)) if step.do]
    return HostPlan(
        target=target,
        wanted=wanted,
        needed=int(fixed) if fixed is not None else max(required, int(rec.get("floor", 0))),
        required=required,
        live=live,
        boot_value=boot,
        after_reboot=after_reboot,
        raise_live=raise_live,
        persist=persist,
        nofile=nofile,
        malloc_arena_max=int(arena) if arena is not None else None,
        restart=restart,
        action=" and ".join(steps) if steps else "keep",
    )
