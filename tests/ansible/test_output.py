"""What an operator reads: the project's stdout callback keeps a run to one screen per broker.

Budgets from issue 10: the README's dry run on this machine in at most 60 lines with no
[WARNING]; a 3-broker check-mode run in at most 25 lines per broker. -v gives the detail back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playbook_run import ansible_playbook

from .conftest import DryRun, Sandbox

pytestmark = pytest.mark.ansible

DRY_RUN_BUDGET = 60
PER_BROKER_BUDGET = 25
BROKERS = ("broker-1", "broker-2", "broker-3")


def three_local_brokers(sandbox: Sandbox) -> str:
    """Three inventory names for this machine, over a local connection (one sandbox root)."""
    local = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
    }
    doc = {"all": {"children": {"kafka_brokers": {"hosts": dict.fromkeys(BROKERS, local)}}}}
    path = sandbox.path / "three.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_the_readme_dry_run_fits_one_screen_without_warnings(readme_dry_run: DryRun) -> None:
    out = readme_dry_run.run.output
    assert readme_dry_run.run.rc == 0, out[-4000:]
    lines = out.splitlines()
    assert len(lines) <= DRY_RUN_BUDGET, f"{len(lines)} lines:\n{out}"
    assert "[WARNING]" not in out, out
    # Still says everything: the plan, the change with its diff, the fleet table, a verdict.
    assert re.search(r"^would change: Persist and apply vm.max_map_count", out, re.M)
    assert re.search(r"^\+vm.max_map_count = \d+$", out, re.M)
    assert re.search(r"^host\s+state\s+live\s+boot", out, re.M)
    assert re.search(r"^OK \(1 host\): \d+ changes? would be made \(check mode\)$", out, re.M)
    for noise in ("TASK [", "skipping:", "Validating arguments", "included:", "PLAY ["):
        assert noise not in out
    assert max(len(line) for line in lines if not line.startswith(("+", "-"))) <= 120


def test_a_three_broker_check_run_fits_the_per_broker_budget(sandbox: Sandbox) -> None:
    run = sandbox.run(
        "tune-vm.yml", "--check", inventory=three_local_brokers(sandbox),
        kafka_vmtune_show_breakdown=True,
    )  # fmt: skip
    assert run.rc == 0, run.output[-4000:]
    lines = run.output.splitlines()
    assert len(lines) <= PER_BROKER_BUDGET * len(BROKERS), f"{len(lines)} lines:\n{run.output}"
    assert "[WARNING]" not in run.output
    # Each broker measured and planned (identical brokers share one block, headed by all
    # their names); the recap keeps a line per host.
    heads = [line for line in lines if "measure, plan and apply on each broker" in line]
    for broker in BROKERS:
        assert any(broker in head for head in heads), heads
        assert run.recap()[broker]["failed"] == 0
    assert "target 262144 (recommended " in run.output
    assert lines[-1] == "OK (3 hosts): 3 changes would be made (check mode)"
    assert sandbox.managed_files() == []


def test_verbose_gives_the_task_detail_back(sandbox: Sandbox) -> None:
    quiet = sandbox.run("playbooks/capacity_check.yml")
    verbose = sandbox.run("playbooks/capacity_check.yml", "-v")
    assert quiet.rc == verbose.rc == 0, verbose.output[-4000:]
    assert "TASK [" not in quiet.output
    assert "TASK [kafka_vmtune.kafka.kafka_facts : Read the broker" in verbose.output
    assert "skipping: [localhost]" in verbose.output
    assert len(verbose.output.splitlines()) > 3 * len(quiet.output.splitlines())


def test_a_missing_inventory_is_the_first_and_only_complaint(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent.yml"
    run = ansible_playbook("-i", str(missing), "tune-vm.yml", "--check")
    assert run.rc != 0
    lines = run.output.strip().splitlines()
    assert str(missing) in lines[0] and "parse inventory source" in lines[0], run.output
    assert run.output.count(str(missing)) == 1, run.output
    assert "kafka_vmtune_broker_group" not in run.output
    assert "PLAY" not in run.output  # nothing ran


def test_a_failure_is_said_once_with_its_cause(sandbox: Sandbox) -> None:
    run = sandbox.run("tune-vm.yml", "--check", kafka_vmtune_headroom=0.5)
    assert run.rc != 0
    said = "kafka_vmtune_headroom: must be a number >= 1 and <= 100, got 0.5"
    assert run.output.count(said) == 1, run.output
    assert "Task failed" not in run.output and "Origin:" not in run.output
    assert run.output.splitlines()[-1].startswith("FAILED (1 host): failed on localhost")
