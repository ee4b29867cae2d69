"""Our sysctl.d file: its text (the value and the sizing behind it), and its atomic write."""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

from ..facts.boot import MARKER
from ..facts.safe_open import read_text

if TYPE_CHECKING:
    from ..contracts import HostReport


def render(report: HostReport, hostname: str) -> str:
    """The file for this host's plan; the comments carry the model at the time of writing."""
    plan, model, kafka = report["plan"], report["model"], report["kafka"]
    who = (
        f"Kafka {kafka.get('version') or '?'}, pid {kafka.get('pid')}"
        if kafka.get("found")
        else "no Kafka broker found (Kafka defaults)"
    )
    boot = plan["boot_value"] if plan["boot_value"] is not None else "kernel default"
    fixed = plan["fixed"]
    basis = (
        f"fixed {fixed} (kafka_vmtune_max_map_count)"
        if fixed is not None
        else f"recommended {plan['recommended']}"
    )
    lines = [
        f"# {MARKER} (collection kafka_vmtune.kafka, role vm_max_map_count). Local edits are"
        " overwritten.",
        "# systemd-sysctl.service reads this file at every boot; tune-vm.yml also raises the live",
        "# value where /proc/sys is writable (no broker restart). Never lowered: the value",
        "# is max(recommended, live value, boot value). Rewritten only when the value changes,",
        "# so the sizing below describes the host at that moment.",
        "#",
        f"# Sizing for {hostname}: {who}",
    ]
    for t in model["terms"]:
        lines.append(
            f"#   {t['symbol']:<3} {t['name']:<34} {t['count']:>9} x {t['per_unit']:<5}"
            f" = {t['areas']:>9}"
        )
    lines += [
        f"#   base {model['base']} x headroom {model['headroom']} = required {model['required']}",
        f"#   {basis}; live was {plan['live']}, boot value was {boot}",
        f"vm.max_map_count = {plan['target']}",
    ]
    return "\n".join(lines) + "\n"


def read(path: str) -> str | None:
    """The file's text; None when it does not exist (OSError when it is not a regular file)."""
    try:
        return read_text(path)
    except FileNotFoundError:
        return None


def write_atomic(path: str, content: str, mode: int = 0o644) -> None:
    """Write via a temporary file in the same directory, so a reader never sees half a file."""
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o755, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kafka-vmtune-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
