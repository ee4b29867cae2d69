"""The installed collection's playbooks by FQCN, and its roles from a user's own playbook,
run from an empty directory against this machine over a local connection.

The host side runs on the system Python, which has no kafka_vmtune installed: a module
that did not bring its module_utils fails, and the kafka_facts role's rescue would show it
as a failed host (rescued=1) with the run still green, so the recap is checked too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from collection_helpers import USER_PLAYBOOK, Installed, Sandbox, write_local_inventory

pytestmark = pytest.mark.ansible

LIVE = Path("/proc/sys/vm/max_map_count")


def test_capacity_check_by_fqcn_reports_this_machine(
    installed: Installed, sandbox: Sandbox
) -> None:
    inventory = write_local_inventory(sandbox.path / "inventory.json")
    run = installed.run(
        sandbox.cwd,
        "kafka_vmtune.kafka.capacity_check",
        "-i",
        str(inventory),
        "-e",
        sandbox.vars_file(),
    )
    assert run.rc == 0, run.output[-4000:]
    recap = run.recap()
    assert recap["localhost"]["failed"] == 0 and recap["localhost"]["rescued"] == 0
    assert recap["localhost"]["changed"] == 0
    report = sandbox.capacity()
    assert report["mode"] == "report"
    (row,) = report["hosts"]
    assert row["host"] == "localhost" and row["state"] in {"ok", "warn", "critical", "no-kafka"}
    assert row["live"] == int(LIVE.read_text())
    # Read-only: nothing under the sandbox root, nothing in the working directory.
    assert not [p for p in sandbox.root.rglob("*") if p.is_file()]
    assert list(sandbox.cwd.iterdir()) == []


def test_tune_vm_check_diff_by_fqcn_shows_the_file_and_writes_nothing(
    installed: Installed, sandbox: Sandbox
) -> None:
    inventory = write_local_inventory(sandbox.path / "inventory.json")
    live_before = LIVE.read_text()
    run = installed.run(
        sandbox.cwd,
        "kafka_vmtune.kafka.tune_vm",
        "-i",
        str(inventory),
        "-e",
        sandbox.vars_file(),
        "--check",
        "--diff",
    )
    assert run.rc == 0, run.output[-4000:]
    assert run.recap()["localhost"]["rescued"] == 0
    report = sandbox.capacity()
    assert report["mode"] == "check"
    (row,) = report["hosts"]
    # The diff names the sandbox's file and the value the report recommends.
    assert str(sandbox.sysctl_file) in run.output
    assert f"+vm.max_map_count = {row['recommended']}" in run.output
    assert not sandbox.sysctl_file.exists()
    assert LIVE.read_text() == live_before


def test_user_playbook_applies_the_roles_by_fqcn_and_is_idempotent(
    installed: Installed, sandbox: Sandbox
) -> None:
    inventory = write_local_inventory(sandbox.path / "inventory.json")
    playbook = sandbox.cwd / "site.yml"
    playbook.write_text(USER_PLAYBOOK, encoding="utf-8")
    first = installed.run(sandbox.cwd, "site.yml", "-i", str(inventory), "-e", sandbox.vars_file())
    assert first.rc == 0, first.output[-4000:]
    assert first.recap()["localhost"]["changed"] == 1
    assert first.recap()["localhost"]["rescued"] == 0
    text = sandbox.sysctl_file.read_text(encoding="utf-8")
    planned = int(first.output.split("planned vm.max_map_count=")[1].split('"')[0])
    assert f"\nvm.max_map_count = {planned}\n" in text
    assert "collection kafka_vmtune.kafka, role vm_max_map_count" in text

    again = installed.run(sandbox.cwd, "site.yml", "-i", str(inventory), "-e", sandbox.vars_file())
    assert again.rc == 0, again.output[-4000:]
    assert again.recap()["localhost"]["changed"] == 0
    assert sandbox.sysctl_file.read_text(encoding="utf-8") == text
