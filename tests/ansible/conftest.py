"""Real ansible-playbook runs against this machine, with every managed path in a sandbox.

The playbooks read the real /proc (the broker on this machine, if any) but write only under
a temporary root (kafka_vmtune_root), never /etc/sysctl.d or /proc/sys: live apply is off
(kafka_vmtune_apply_live false) except against a fake procfs file (kafka_vmtune_proc), and
systemd is never reloaded. The privileged live apply is the Molecule scenario's job.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playbook_run import Run, ansible_env, ansible_playbook
from repo import REPO
from sandbox_tree import SandboxTree

REAL_SYSCTL_FILE = Path("/etc/sysctl.d/60-kafka-vmtune.conf")


@dataclass
class Sandbox(SandboxTree):
    """A fake root for the sysctl/systemd files and a reports directory."""

    vars: dict[str, Any] = field(default_factory=dict)

    def write(self, rel: str, text: str) -> Path:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def vars_file(self, **extra: Any) -> str:
        data = {**self.vars, **extra}
        path = self.path / f"vars-{len(list(self.path.glob('vars-*.json')))}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return f"@{path}"

    def run(self, playbook: str, *args: str, inventory: str | None = None, **extra: Any) -> Run:
        inv = ["-i", inventory] if inventory else []
        return ansible_playbook(playbook, *inv, "-e", self.vars_file(**extra), *args)

    def row(self, host: str = "localhost", name: str = "run") -> dict[str, Any]:
        rows = {r["host"]: r for r in self.capacity(name)["hosts"]}
        return dict(rows[host])

    def managed_files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file() or p.is_symlink())


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path)
    for rel in ("etc/sysctl.d", "usr/lib/sysctl.d", "run/sysctl.d", "etc/systemd/system"):
        (box.root / rel).mkdir(parents=True)
    box.vars = box.sandbox_vars()
    real_before = REAL_SYSCTL_FILE.exists()
    yield box
    # The machine's own sysctl.d is never touched by these tests.
    assert REAL_SYSCTL_FILE.exists() == real_before


@dataclass(frozen=True)
class DryRun:
    """`./run.sh dry-run` as the README tells an operator to run it, once per session."""

    run: Run
    reports: Path
    sysctl_before: bytes | None  # this machine's sysctl.d file, before and after the run
    sysctl_after: bytes | None


def _real_sysctl() -> bytes | None:
    return REAL_SYSCTL_FILE.read_bytes() if REAL_SYSCTL_FILE.exists() else None


@pytest.fixture(scope="session")
def readme_dry_run(tmp_path_factory: pytest.TempPathFactory) -> DryRun:
    reports = tmp_path_factory.mktemp("dry-run-reports")
    before = _real_sysctl()
    proc = subprocess.run(
        [str(REPO / "run.sh"), "dry-run", "-e", f"kafka_vmtune_report_dir={reports}"],
        cwd=REPO,
        env=ansible_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return DryRun(Run(proc.returncode, proc.stdout + proc.stderr), reports, before, _real_sysctl())
