"""docs/variables.md and the example inventory document every variable the roles accept."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from playbook_run import ansible_env
from repo import BIN, REPO

ROLES = ("kafka_facts", "vm_max_map_count", "broker_limits", "capacity_report")
# Set by the roles or playbooks, not by operators: documented, not listed in the inventory.
INTERNAL = {"kafka_vmtune_report", "kafka_vmtune_report_mode", "kafka_vmtune_report_dir"}


def role_options(role: str) -> dict[str, dict[str, object]]:
    spec = yaml.safe_load((REPO / "roles" / role / "meta/argument_specs.yml").read_text())
    options: dict[str, dict[str, object]] = spec["argument_specs"]["main"]["options"]
    return options


def variables_page() -> str:
    return (REPO / "docs" / "variables.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("role", ROLES)
def test_the_variables_page_lists_every_variable_of_the_role(role: str) -> None:
    section = variables_page()
    missing = [name for name in role_options(role) if f"| `{name}` |" not in section]
    assert missing == []


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_galaxy_info_and_an_argument_spec_per_entry_point(role: str) -> None:
    meta = yaml.safe_load((REPO / "roles" / role / "meta/main.yml").read_text())
    assert meta["galaxy_info"]["role_name"] == role
    spec = yaml.safe_load((REPO / "roles" / role / "meta/argument_specs.yml").read_text())
    entries = {p.stem for p in (REPO / "roles" / role / "tasks").glob("*.yml")}
    # Every task file a playbook may enter (tasks_from) is described and validated.
    assert "main" in spec["argument_specs"]
    assert set(spec["argument_specs"]) <= entries


@pytest.mark.ansible
def test_example_inventory_has_two_clusters_and_documents_every_variable() -> None:
    out = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", "inventory/example/hosts.yml", "--list"],
        cwd=REPO,
        env=ansible_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    inv = json.loads(out.stdout)
    assert set(inv["kafka_brokers"]["children"]) == {"kafka_payments", "kafka_analytics"}
    hostvars = inv["_meta"]["hostvars"]
    for host in inv["kafka_payments"]["hosts"] + inv["kafka_analytics"]["hosts"]:
        assert hostvars[host]["kafka_vmtune_bootstrap_servers"]
        assert hostvars[host]["kafka_vmtune_service_name"]
    documented = yaml.safe_load(
        (REPO / "inventory/example/group_vars/kafka_brokers/main.yml").read_text()
    )
    text = (REPO / "inventory/example/group_vars/kafka_brokers/main.yml").read_text()
    for role in ROLES:
        for name in role_options(role):
            if name in INTERNAL:
                continue
            assert name in documented or f"# {name}:" in text, name
