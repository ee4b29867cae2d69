"""`kafka-vmtune fleet check|tune` and `./run.sh dry-run`, as an operator types them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playbook_run import ansible_env
from repo import BIN, REPO

from .conftest import DryRun, Sandbox

pytestmark = pytest.mark.ansible

PROGRESS = re.compile(r"^(\S+)\s+(ok|changed|skipped|FAILED|UNREACHABLE)\s+(.+)$", re.M)


def kafka_vmtune(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "kafka-vmtune"), *args],
        cwd=cwd,
        env=ansible_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_fleet_check_shows_progress_per_host_and_prints_the_report(sandbox: Sandbox) -> None:
    # From another directory: the command finds its playbooks and ansible.cfg itself.
    result = kafka_vmtune(
        "fleet", "check", "-i", str(REPO / "inventory/local.yml"),
        "--report-dir", str(sandbox.reports), cwd=sandbox.path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    lines = PROGRESS.findall(result.stdout)
    tasks = [task for host, _, task in lines if host == "localhost"]
    assert any(t.startswith("Read the broker") for t in tasks), result.stdout[-3000:]
    assert "Write the capacity report" in tasks
    assert "== Kafka vmtune capacity check | measure every broker" in result.stdout
    # The report is printed at the end, from the file the run wrote.
    reports = list(sandbox.reports.glob("fleet-check-*/capacity.md"))
    assert len(reports) == 1
    assert reports[0].read_text(encoding="utf-8") in result.stdout
    assert result.stdout.rstrip().endswith("ansible-playbook exit code 0")


def test_fleet_tune_check_changes_nothing_and_passes_options(sandbox: Sandbox) -> None:
    result = kafka_vmtune(
        "fleet", "tune", "-i", str(REPO / "inventory/local.yml"), "--check", "--diff",
        "--limit", "localhost", "-e", sandbox.vars_file(),
        "--report-dir", str(sandbox.reports), cwd=sandbox.path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(
        r"^localhost\s+changed\s+Persist and apply vm.max_map_count", result.stdout, re.M
    )
    assert sandbox.managed_files() == []
    assert "tune-vm.yml --check: what would change" in result.stdout


def test_fleet_exit_code_follows_the_playbook(sandbox: Sandbox) -> None:
    inventory = sandbox.path / "gone.yml"
    inventory.write_text(
        "all:\n  children:\n    kafka_brokers:\n      hosts:\n        kvt-gone.invalid:\n"
        "          ansible_ssh_common_args: -o ConnectTimeout=3 -o BatchMode=yes\n",
        encoding="utf-8",
    )
    result = kafka_vmtune(
        "fleet", "check", "-i", str(inventory), "--report-dir", str(sandbox.reports),
        cwd=sandbox.path,
    )  # fmt: skip
    assert result.returncode != 0
    assert re.search(r"^kvt-gone.invalid\s+UNREACHABLE", result.stdout, re.M), result.stdout[-3000:]
    assert "| kvt-gone.invalid | unreachable |" in result.stdout


def test_fleet_refuses_a_missing_inventory_in_one_line(tmp_path: Path) -> None:
    result = kafka_vmtune("fleet", "check", "-i", str(tmp_path / "nope.yml"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"kafka-vmtune fleet: inventory {tmp_path / 'nope.yml'} not found"
    ]


def test_run_sh_dry_run_succeeds_here_and_prints_the_capacity_report(
    readme_dry_run: DryRun,
) -> None:
    out = readme_dry_run.run.output
    assert readme_dry_run.run.rc == 0, out[-4000:]
    assert re.search(r"host\s+state\s+live\s+boot\s+/proc/sys\s+used\s+index", out)
    assert "vm.max_map_count takes effect without a restart" in " ".join(out.split())
    reports = readme_dry_run.reports.glob("*/capacity.md")
    (report,) = [p for p in reports if p.parent.name != "latest"]
    assert "| localhost |" in report.read_text(encoding="utf-8")
    # --check: this machine's sysctl.d is untouched (its live value is not compared: kernel
    # tests elsewhere in the suite raise it on purpose while this runs).
    assert readme_dry_run.sysctl_after == readme_dry_run.sysctl_before
