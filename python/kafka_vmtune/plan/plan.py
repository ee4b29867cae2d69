"""The host plan: what tune-vm.yml will set on one host, and why. Pure functions.

Decided once, here, from the host's facts and sizing; the roles apply it and never
re-derive it. "Never lower" lives in never_lower() and nowhere else: the recommendation,
the value written, the live value and the open-file limit only go up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, NamedTuple, cast

from ..defaults import KERNEL_MAX_MAP_COUNT

if TYPE_CHECKING:  # sizing imports never_lower from here: types only, no import cycle
    from ..contracts import Plan
    from ..facts.gather import HostFacts
    from ..settings import Value
    from ..sizing.host import Sizing


def never_lower(value: int, *in_place: int | None) -> int:
    """The value to set: `value`, or a higher one already in place."""
    return max([value, *(c for c in in_place if c is not None)])


class Decision(NamedTuple):
    do: bool
    reason: str


class HostPlan(NamedTuple):
    target: int  # vm.max_map_count to persist and apply: fixed or recommended, never lower
    recommended: int  # kafka-vmtune's advice (sizing.recommend)
    fixed: int | None  # the operator's kafka_vmtune_max_map_count (None: not set)
    required: int  # the model's need (with headroom)
    live: int
    boot_value: int | None  # what the sysctl files set at boot today (None: kernel default)
    after_reboot: int  # what a reboot gives once the plan is applied
    raise_live: Decision
    persist: Decision
    nofile: int | None  # LimitNOFILE for the broker's unit (None: not managed)
    malloc_arena_max: int | None
    restart: Decision
    action: str  # keep | raise live | persist | raise live and persist

    def as_dict(self) -> Plan:
        d = {k: v._asdict() if isinstance(v, Decision) else v for k, v in self._asdict().items()}
        return cast("Plan", d)


def _live_decision(live: int, target: int, writable: bool, apply_live: bool) -> Decision:
    if live >= target:
        return Decision(False, f"live {live} already >= {target}")
    if not apply_live:
        return Decision(False, f"live {live} < {target}, but kafka_vmtune_apply_live is false")
    if not writable:
        return Decision(
            False,
            f"live {live} < {target}, but /proc/sys is read-only here (a container?):"
            " set it on the machine that owns the kernel; the file applies at its next boot",
        )
    return Decision(True, f"raise live {live} -> {target} (takes effect at once, no restart)")


def persist_decision(
    ours: int | None, managed: bool, boot: int | None, target: int, required: int
) -> Decision:
    """Write our sysctl.d file unless it already sets the target and is ours to manage."""
    if ours == target:
        if managed:
            return Decision(False, f"our sysctl.d file already sets {target}")
        return Decision(True, f"persist {target} in our sysctl.d file: it lacks our header")
    after = boot if boot is not None else KERNEL_MAX_MAP_COUNT
    why = (
        f"after a reboot it would be {after}"
        + (" (kernel default)" if boot is None else "")
        + (f", below the required {required}" if after < required else "")
    )
    return Decision(True, f"persist {target} in our sysctl.d file: {why}")


def restart_decision(
    found: bool, soft: int | None, running: int | None, nofile: int | None, arena: int | None
) -> Decision:
    """Restart when the running broker (`soft` open files, MALLOC_ARENA_MAX `running`) has
    less than the unit will give it (`nofile`, `arena`)."""
    if not found:
        return Decision(False, "no running broker")
    reasons = []
    if nofile is not None and (soft is None or soft < nofile):
        reasons.append(f"broker runs with {soft} open files allowed, the unit will set {nofile}")
    if arena is not None and running != arena:
        reasons.append(
            f"broker runs with MALLOC_ARENA_MAX {running if running is not None else 'unset'},"
            f" the unit will set {arena}"
        )
    if reasons:
        return Decision(True, "; ".join(reasons))
    return Decision(False, "vm.max_map_count takes effect without a restart")


def _int(value: Value) -> int | None:
    return None if value is None or isinstance(value, (bool, str)) else int(value)


def make_plan(facts: HostFacts, sizing: Sizing, options: Mapping[str, Value]) -> HostPlan:
    """The plan for one host from its facts and sizing; `options` as settings.parse_all gives."""
    sysctl = facts.sysctl
    rec = sizing.map_count
    live = facts.live
    boot = sysctl.get("boot_value")
    fixed = _int(options.get("max_map_count"))
    target = never_lower(fixed if fixed is not None else rec.recommended, live, boot)
    raise_live = _live_decision(
        live, target, bool(sysctl.get("writable")), bool(options["apply_live"])
    )
    persist = persist_decision(
        sysctl.get("ours_value"), bool(sysctl["ours_managed"]), boot, target, rec.required
    )
    overridden = list(sysctl.get("overridden_by") or [])
    after_reboot = target if not overridden else min(target, boot or KERNEL_MAX_MAP_COUNT)
    process = facts.process
    nofile: int | None = None
    if options.get("manage_nofile"):
        fixed_nofile = _int(options.get("nofile"))
        nofile = never_lower(
            fixed_nofile if fixed_nofile is not None else sizing.nofile.recommended,
            process.nofile_soft if process else None,
            process.nofile_hard if process else None,
        )
    arena = _int(options.get("malloc_arena_max"))
    restart = restart_decision(
        process is not None,
        process.nofile_soft if process else None,
        process.malloc_arena_max if process else None,
        nofile,
        arena,
    )
    done = [s for s, d in (("raise live", raise_live), ("persist", persist)) if d.do]
    return HostPlan(
        target=target,
        recommended=rec.recommended,
        fixed=fixed,
        required=rec.required,
        live=live,
        boot_value=boot,
        after_reboot=after_reboot,
        raise_live=raise_live,
        persist=persist,
        nofile=nofile,
        malloc_arena_max=arena,
        restart=restart,
        action=" and ".join(done) if done else "keep",
    )
