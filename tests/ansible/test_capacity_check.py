"""capacity_check.yml: one task per broker, every setting from the inventory, the fleet table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Sandbox

pytestmark = pytest.mark.ansible

# A playbook of the operator's own that calls the module directly (kafka_facts' action takes
# any option the task does not give from the host's kafka_vmtune_* variable).
OWN_PLAYBOOK = """\
- name: Measure with an explicit option
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Measure
      kafka_vmtune.kafka.kafka_facts:
        headroom: 3
      register: explicit
    - name: Measure with the inventory's settings
      kafka_vmtune.kafka.kafka_facts: {}
      register: from_vars
    - name: Keep both reports
      ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ {'explicit': explicit.ansible_facts.kafka_vmtune,
                      'from_vars': from_vars.ansible_facts.kafka_vmtune} | to_json }}"
        mode: "0600"
      check_mode: false
"""


def test_each_setting_in_the_inventory_reaches_the_measurement(sandbox: Sandbox) -> None:
    # kafka_vmtune_crash_days was once dropped on the way (the role listed the options by
    # hand): a bad value must fail the host with the variable's name, not pass unseen.
    run = sandbox.run("playbooks/capacity_check.yml", kafka_vmtune_crash_days=-1)
    assert run.rc != 0, run.output[-4000:]
    row = sandbox.row()
    assert row["state"] == "failed"
    assert "kafka_vmtune_crash_days: must be a number >= 0 and <= 3650, got -1" in run.flat
    assert sandbox.managed_files() == []


def test_an_option_given_in_the_task_wins_over_the_host_variable(sandbox: Sandbox) -> None:
    playbook = sandbox.path / "own.yml"
    playbook.write_text(OWN_PLAYBOOK, encoding="utf-8")
    out = sandbox.path / "reports.json"
    run = sandbox.run(str(playbook), kafka_vmtune_headroom=2, out=str(out))
    assert run.rc == 0, run.output[-4000:]
    reports = json.loads(out.read_text(encoding="utf-8"))
    assert reports["explicit"]["model"]["headroom"] == 3
    assert reports["from_vars"]["model"]["headroom"] == 2


def test_the_check_prints_the_fleet_table_and_keeps_each_host_report(sandbox: Sandbox) -> None:
    run = sandbox.run("playbooks/capacity_check.yml", kafka_vmtune_show_breakdown=True)
    assert run.rc == 0, run.output[-4000:]
    # One task per broker and the table: the per-host block is tune-vm.yml's.
    assert "model: B " not in run.output
    assert "host       state" in run.output or "host  state" in run.flat
    host = sandbox.capacity()["hosts"][0]
    assert host["host"] == "localhost"
    assert host["required"] > 0


def test_tune_prints_the_block_rendered_on_the_control_node(sandbox: Sandbox) -> None:
    run = sandbox.run("tune-vm.yml", "--check", "-v", kafka_vmtune_show_breakdown=True)
    assert run.rc == 0, run.output[-4000:]
    assert "model: B " in run.output
    # -v adds the model term by term (the filter's verbose form).
    assert "headroom" in run.output and "source" in run.output


def test_a_report_that_is_not_one_is_refused_by_name(sandbox: Sandbox) -> None:
    playbook = sandbox.path / "bad.yml"
    playbook.write_text(
        "- name: Render nonsense\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - name: Render\n      ansible.builtin.debug:\n"
        "        msg: \"{{ {'kafka': {}} | kafka_vmtune.kafka.host_breakdown }}\"\n",
        encoding="utf-8",
    )
    run = sandbox.run(str(playbook))
    assert run.rc != 0
    assert "host_breakdown: not a kafka-vmtune host report" in run.flat
    assert "Traceback" not in run.output


def test_a_report_name_that_is_a_path_is_refused_and_nothing_is_written(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    run = sandbox.run("playbooks/capacity_check.yml", kafka_vmtune_report_name="../escape")
    assert run.rc != 0
    assert "kafka_vmtune_report_name must be null or a plain directory name" in run.flat
    assert not (sandbox.path / "escape").exists()
    assert not sandbox.reports.exists() or not any(sandbox.reports.iterdir())


@pytest.mark.ansible
def test_a_misspelt_variable_fails_the_host_naming_the_closest_known_one(
    sandbox: Sandbox,
) -> None:
    # capacity_check.yml has no pre-flight play: the kafka_facts action checks the names.
    run = sandbox.run("playbooks/capacity_check.yml", kafka_vmtune_headrom=2)
    assert run.rc != 0
    assert "kafka_vmtune_headrom: not a kafka-vmtune variable" in run.flat
    assert "did you mean kafka_vmtune_headroom?" in run.flat
    assert sandbox.row()["state"] == "failed"
