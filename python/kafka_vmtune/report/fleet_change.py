"""The fleet report's `change` column: what tune-vm.yml did, or would do, to one host, in words.

Words only: the decisions are the host report's plan (plan.plan.make_plan) and the change
record the apply modules return (contracts.ChangeRecord).
"""

from __future__ import annotations

from ..contracts import ChangeRecord, Plan, SysctlChange


def _fmt(value: int | None) -> str:
    return "-" if value is None else str(value)


def describe_change(change: ChangeRecord | None, plan: Plan | None) -> tuple[str, bool]:
    """(one line saying what tune-vm.yml did / would do, whether anything changes)."""
    if change:
        return _describe_recorded_change(change)
    if plan is None:
        return "-", False
    return _describe_plan(plan)


def _describe_plan(plan: Plan) -> tuple[str, bool]:
    decisions = (plan["raise_live"], plan["persist"])
    parts = [f"would {d['reason']}" for d in decisions if d["do"]]
    live_short = plan["live"] < plan["target"] and not plan["raise_live"]["do"]
    if live_short:
        parts.append(plan["raise_live"]["reason"])
    if not parts:
        return f"nothing: live and boot value already >= {plan['target']}", False
    return "; ".join(parts), not (live_short and len(parts) == 1)


def _describe_sysctl(c: SysctlChange, would: str) -> tuple[list[str], bool]:
    parts: list[str] = []
    changed = False
    target = c["target"]
    if c["file_action"] == "write":
        changed = True
        before = c["file_value_before"] or "absent"
        parts.append(f"{would}write {c['file']} ({before} -> {target})")
    if c["live_action"] == "raise":
        changed = True
        parts.append(f"{would}raise live {c['live_before']} -> {target}")
    elif c["live_action"] == "read-only":
        parts.append(
            f"live stays {c['live_before']}: /proc/sys is read-only"
            f" (value {target} applies at the next boot)"
        )
    elif c["live_action"] == "disabled":
        parts.append("live apply disabled (kafka_vmtune_apply_live=false)")
    if c["boot_ok"] is False:
        parts.append(
            f"BOOT VALUE {_fmt(c['boot_value'])} < {target}, overridden by "
            + ", ".join(c["overridden_by"] or ["?"])
        )
    if not parts:
        parts.append(f"nothing: vm.max_map_count already {target} live and at boot")
    return parts, changed


def _describe_recorded_change(change: ChangeRecord) -> tuple[str, bool]:
    would = "would " if change.get("check_mode") else ""
    parts: list[str] = []
    changed = False
    if "sysctl" in change:
        parts, changed = _describe_sysctl(change["sysctl"], would)
    if "limits" in change and change["limits"]["action"] == "write":
        changed = True
        parts.append(f"{would}write {change['limits']['dropin']}")
    if "stop_timeout" in change and change["stop_timeout"]["short"]:
        stop = change["stop_timeout"]
        parts.append(
            f"{stop['unit']} TimeoutStopSec {stop['raw']} is shorter than a controlled"
            " shutdown may take"
        )
    if change.get("restart_due"):
        parts.append("restart due: " + "; ".join(change.get("restart_reasons", [])))
    return "; ".join(parts), changed
