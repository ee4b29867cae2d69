"""Apply a host's vm.max_map_count plan: the file, the live value, the boot-value proof.

Returns the change record the fleet report reads (report.contracts.SysctlChange).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..facts import boot
from . import live, sysctl_file

if TYPE_CHECKING:
    from ..contracts import BootEvaluation, FileDiff, HostReport, SysctlApplied, SysctlChange

KEY = "vm.max_map_count"


def apply(
    report: HostReport,
    *,
    hostname: str,
    sysctl_file_path: str,
    root: str,
    proc: str,
    apply_live: bool,
    verify_boot: bool,
    check: bool,
) -> SysctlApplied:
    """Carry out report["plan"] (its target, persist and raise_live decisions, made once in
    plan.plan); in check mode only say what would change."""
    plan = report["plan"]
    target = int(plan["target"])
    real = os.path.normpath(os.path.join(root, sysctl_file_path.lstrip("/")))
    before = boot.evaluate(KEY, root, sysctl_file_path, None)
    ours = before["ours"]
    write = bool(plan["persist"]["do"])
    content = sysctl_file.render(report, hostname) if write else None
    old_text = sysctl_file.read(real) if write else None
    if write and not check:
        sysctl_file.write_atomic(real, content or "")
    elif not check and ours["managed"]:
        os.chmod(real, 0o644)  # keep the mode (the plan found our file with the target)
    planned = bool(plan["raise_live"]["do"]) and apply_live
    read_only = not report["sysctl"]["writable"]
    result = live.raise_live(KEY, target, proc, planned=planned, read_only=read_only, check=check)
    after = boot.evaluate(KEY, root, sysctl_file_path, content if check and write else None)
    boot_ok = after["boot_value"] is not None and after["boot_value"] >= target
    change: SysctlChange = {
        "file": sysctl_file_path,
        "file_action": "write" if write else "keep",
        "file_value_before": ours["value"],
        "target": target,
        "recommended": plan["recommended"],
        "fixed": plan["fixed"],
        "required": plan["required"],
        "live_before": result.before,
        "live_action": result.action,
        "live_after": result.after,
        "boot_value": after["boot_value"],
        "boot_source": after["boot_source"],
        "boot_refused": after["boot_refused"],
        "boot_ok": boot_ok if verify_boot else None,
        "overridden_by": after["overridden_by"],
        "planned": after["planned"],
    }
    diff: FileDiff | None = None
    if write:
        diff = {
            "before": old_text or "",
            "after": content or "",
            "before_header": real,
            "after_header": real,
        }
    return {
        "changed": write or result.action == "raise",
        "change": change,
        "diff": diff,
        "lines": _lines(change, result.message, check, verify_boot),
        "failed": verify_boot and not boot_ok,
        "boot_message": _boot_message(after, target, sysctl_file_path),
    }


def _lines(change: SysctlChange, live_msg: str, check: bool, verify_boot: bool) -> list[str]:
    would = "would " if check else ""
    c = change
    file_line = (
        f"{c['file']}: {would}write {c['file_value_before'] or 'absent'} -> {c['target']}"
        if c["file_action"] == "write"
        else f"{c['file']}: unchanged ({c['target']})"
    )
    source = f" (from {c['boot_source']})" if c["boot_source"] else ""
    if c["boot_refused"]:
        source = f" ({c['boot_refused']})"
    reboot = (
        f"after a reboot: {c['boot_value'] if c['boot_value'] is not None else 'kernel default'}"
        + source
        + (" - with the planned file" if c["planned"] else "")
        + ("" if verify_boot else " (not verified: kafka_vmtune_verify_boot is false)")
    )
    given = c["fixed"] if c["fixed"] is not None else c["recommended"]
    basis = f"fixed {given}" if c["fixed"] is not None else f"recommended {given}"
    kept = "; a higher value already set is kept (never lowered)" if c["target"] > given else ""
    return [
        f"target {c['target']} ({basis}, required {c['required']}){kept}",
        file_line,
        live_msg,
        reboot,
    ]


def _boot_message(after: BootEvaluation, target: int, path: str) -> str:
    value = after["boot_value"]
    if value is not None and value >= target:
        return f"{KEY} after a reboot: {value} (>= {target})"
    why = [after["boot_refused"]] if after["boot_refused"] else []
    if after["overridden_by"]:
        why.append("overridden by " + ", ".join(after["overridden_by"]))
    if not after["ours"]["read_at_boot"]:
        why.append(f"{path} is not read by systemd-sysctl (masked or outside sysctl.d)")
    shown = value if value is not None else "the kernel default"
    return f"{KEY} would be {shown} after a reboot, below the target {target}: " + (
        "; ".join(why) or "our setting is missing"
    )
