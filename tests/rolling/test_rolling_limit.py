"""--limit one broker keeps the control-node work (issue 7): the fleet report and its
unreachable/critical gate in tune-vm.yml and capacity_check.yml, and the roll's order,
report and stop message in rolling_restart.yml. Before, those were plays on `localhost`,
which any --limit not naming localhost silently skipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from network import closed_port
from repo import REPO
from rolling_helpers import run_playbook, write_inventory

pytestmark = pytest.mark.ansible

GONE = {
    "ansible_connection": "ssh",
    "ansible_ssh_common_args": "-o ConnectTimeout=3 -o BatchMode=yes",
}


def sandbox_vars(tmp_path: Path) -> dict[str, Any]:
    """tune-vm.yml on this machine without touching it (as tests/ansible runs it)."""
    root = tmp_path / "root"
    for rel in ("etc/sysctl.d", "usr/lib/sysctl.d", "run/sysctl.d", "etc/systemd/system"):
        (root / rel).mkdir(parents=True)
    return {
        "kafka_vmtune_root": str(root),
        "kafka_vmtune_apply_live": False,
        "kafka_vmtune_daemon_reload": False,
        "kafka_vmtune_report_dir": str(tmp_path / "reports"),
        "kafka_vmtune_report_name": "run",
        "kafka_vmtune_restart_policy": "never",
        "kafka_vmtune_show_breakdown": False,
        "kafka_vmtune_fail_on_critical": False,
    }


def fleet(tmp_path: Path) -> Path:
    hosts: dict[str, dict[str, Any]] = {"b1": {}, "b2": {}}
    path = write_inventory(tmp_path / "inventory.json", hosts)
    inventory = json.loads(path.read_text())
    inventory["all"]["children"]["kafka_brokers"]["hosts"]["kvt-gone.invalid"] = GONE
    path.write_text(json.dumps(inventory))
    return path


@pytest.mark.parametrize("playbook", ["tune-vm.yml", "playbooks/capacity_check.yml"])
def test_the_fleet_report_runs_under_limit_one_broker(tmp_path: Path, playbook: str) -> None:
    run = run_playbook(
        fleet(tmp_path),
        sandbox_vars(tmp_path),
        "--check",
        "--limit",
        "b1",
        playbook=REPO / playbook,
    )
    assert run.rc == 0, run.output[-4000:]
    report = json.loads((tmp_path / "reports" / "run" / "capacity.json").read_text())
    assert [h["host"] for h in report["hosts"]] == ["b1"]
    assert "localhost" not in run.output.split("PLAY RECAP")[1]


@pytest.mark.parametrize("playbook", ["tune-vm.yml", "playbooks/capacity_check.yml"])
def test_an_unreachable_broker_in_the_limit_fails_the_run_before_any_restart(
    tmp_path: Path, playbook: str
) -> None:
    run = run_playbook(
        fleet(tmp_path),
        sandbox_vars(tmp_path),
        "--check",
        "--limit",
        "b1,kvt-gone.invalid",
        playbook=REPO / playbook,
    )
    assert run.rc != 0
    assert "kvt-gone.invalid (unreachable)" in run.flat
    report = json.loads((tmp_path / "reports" / "run" / "capacity.json").read_text())
    assert {h["host"]: h["state"] for h in report["hosts"]}["kvt-gone.invalid"] == "unreachable"
    assert "Rolling restart | decide" not in run.output


def test_a_roll_limited_to_one_broker_keeps_its_order_report_and_stop(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    hosts = {f"b{i}": {"kafka_vmtune_node_id": i} for i in (1, 2, 3)}
    run = run_playbook(
        write_inventory(tmp_path / "inventory.json", hosts),
        {
            "kafka_vmtune_restart_policy": "always",
            "kafka_vmtune_bootstrap_servers": f"127.0.0.1:{closed_port()}",
            "kafka_vmtune_restart_controller_last": False,
            "kafka_vmtune_restart_gate_timeout": 1,
            "kafka_vmtune_restart_request_timeout": 1,
            "kafka_vmtune_report_dir": str(reports),
        },
        "--limit",
        "b2",
    )
    assert run.rc != 0
    assert "Rolling 1 broker(s) one at a time, in this order: b2 #2" in run.flat
    assert "Rolling restart stopped at broker 2 (b2)" in run.flat
    state = json.loads((reports / "rolling-restart" / "state.json").read_text())
    assert state["hosts"] == ["b2"] and state["completed"] is False
    report = json.loads((reports / "rolling-restart" / f"{state['run_id']}.json").read_text())
    assert [(b["host"], b["outcome"]) for b in report["brokers"]] == [("b2", "failed")]
