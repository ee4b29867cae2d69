"""The live half of vm_max_map_count: raise, never lower, and honest on a read-only /proc/sys.

Runs the role on a real host report (inspect_host on this machine) against a fake procfs
file, so the machine's own /proc/sys/vm/max_map_count is never written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from machine_facts import OPTIONS, machine_facts, sized

from kafka_vmtune.contracts import HostReport
from kafka_vmtune.plan.plan import make_plan
from kafka_vmtune.report.host_report import build

from .conftest import Run, Sandbox

pytestmark = pytest.mark.ansible

PLAYBOOK = str(Path(__file__).parent / "playbooks" / "vm_max_map_count_only.yml")


def fake_proc(sandbox: Sandbox, value: int) -> Path:
    path = sandbox.path / "proc/sys/vm/max_map_count"
    path.parent.mkdir(parents=True)
    path.write_text(f"{value}\n", encoding="ascii")
    return path


def run_role(sandbox: Sandbox, report: HostReport, proc: Path, *args: str) -> Run:
    return sandbox.run(
        PLAYBOOK,
        *args,
        kafka_vmtune_report=report,
        kafka_vmtune_apply_live=True,
        kafka_vmtune_proc=str(proc.parents[2]),
    )


def with_live(sandbox: Sandbox, live: int, *, writable: bool) -> HostReport:
    """The host report kafka_facts would give now (this machine, the sandbox's files) with
    this live value: gathered, sized and planned by the pipeline's own functions."""
    facts = machine_facts(str(sandbox.root))
    f = facts._replace(live=live, sysctl=dict(facts.sysctl, live=live, writable=writable))
    sizing = sized(f)
    return build(f, sizing, make_plan(f, sizing, OPTIONS).as_dict())


def test_raises_the_live_value_once(sandbox: Sandbox) -> None:
    proc = fake_proc(sandbox, 65530)
    report = with_live(sandbox, 65530, writable=True)
    target = report["recommendation"]["recommended"]
    check = run_role(sandbox, report, proc, "--check")
    assert check.rc == 0, check.output[-3000:]
    assert f"live: would raise 65530 -> {target}" in check.flat
    assert proc.read_text() == "65530\n"

    first = run_role(sandbox, report, proc)
    assert first.rc == 0, first.output[-3000:]
    assert int(proc.read_text()) == target
    assert f"vm.max_map_count is {target} live" in first.flat

    second = run_role(sandbox, with_live(sandbox, target, writable=True), proc)
    assert second.rc == 0
    assert second.recap()["localhost"]["changed"] == 0
    assert f"live: kept at {target}" in second.flat


def test_never_lowers_a_higher_live_value(sandbox: Sandbox) -> None:
    proc = fake_proc(sandbox, 2_000_000)
    run = run_role(sandbox, with_live(sandbox, 2_000_000, writable=True), proc)
    assert run.rc == 0, run.output[-3000:]
    assert proc.read_text() == "2000000\n"
    assert "vm.max_map_count = 2000000" in sandbox.sysctl_file.read_text(encoding="utf-8")
    assert "live: kept at 2000000" in run.flat


def test_read_only_proc_sys_is_reported_not_failed_nor_hidden(sandbox: Sandbox) -> None:
    proc = fake_proc(sandbox, 65530)
    report = with_live(sandbox, 65530, writable=False)
    run = run_role(sandbox, report, proc)
    assert run.rc == 0, run.output[-3000:]
    assert proc.read_text() == "65530\n"
    assert "NOT APPLIED: /proc/sys is read-only on this host" in run.flat
    assert "'live_action': 'read-only'" in run.flat or "live_action: read-only" in run.flat
    # The boot half still happened and was verified.
    target = report["recommendation"]["recommended"]
    assert f"vm.max_map_count = {target}" in sandbox.sysctl_file.read_text(encoding="utf-8")
    assert f"after a reboot: {target}" in run.flat
