"""The sandbox every playbook test runs in: a fake root for the managed files, a reports dir.

The playbooks read the real /proc but write only under `root` (kafka_vmtune_root), with live
apply, systemd reloads and restarts off (`SAFE_VARS`); the reports go to `reports`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAFE_VARS: dict[str, Any] = {
    "kafka_vmtune_apply_live": False,
    "kafka_vmtune_daemon_reload": False,
    "kafka_vmtune_restart_policy": "never",
    "kafka_vmtune_show_breakdown": False,
    # Live apply is off, so a broker on this machine may stay critical: these tests are
    # about files, reports and runs; the exit on critical has tests of its own.
    "kafka_vmtune_fail_on_critical": False,
}


@dataclass
class SandboxTree:
    path: Path

    @property
    def root(self) -> Path:
        return self.path / "root"

    @property
    def reports(self) -> Path:
        return self.path / "reports"

    @property
    def sysctl_file(self) -> Path:
        return self.root / "etc/sysctl.d/60-kafka-vmtune.conf"

    def sandbox_vars(self, name: str = "run") -> dict[str, Any]:
        """The variables that keep a run inside this sandbox, its report named `name`."""
        return {
            "kafka_vmtune_root": str(self.root),
            "kafka_vmtune_report_dir": str(self.reports),
            "kafka_vmtune_report_name": name,
            **SAFE_VARS,
        }

    def capacity(self, name: str = "run") -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.reports / name / "capacity.json").read_text(encoding="utf-8")
        )
        return data
