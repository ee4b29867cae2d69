"""Helpers of tests/collection: the installed collection, runs from an empty directory."""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbook_run import Run, ansible_env, ansible_playbook
from sandbox_tree import SandboxTree

FQCN = "kafka_vmtune.kafka"
REAL_SYSCTL_FILE = Path("/etc/sysctl.d/60-kafka-vmtune.conf")


@dataclass(frozen=True)
class Installed:
    """An installed copy of the collection and how to run Ansible against it from outside."""

    tarball: Path
    collections: Path  # the collections path: <collections>/ansible_collections/kafka_vmtune/kafka

    @property
    def root(self) -> Path:
        return self.collections / "ansible_collections" / "kafka_vmtune" / "kafka"

    def env(self, **extra: str) -> dict[str, str]:
        """No ANSIBLE_* setting of the caller's and no ansible.cfg: the collections path only."""
        outside = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("ANSIBLE_") and k != "KAFKA_VMTUNE_STATE_DIR"
        }
        return ansible_env(
            config=self.collections / "no-such-ansible.cfg",
            base=outside,
            ANSIBLE_COLLECTIONS_PATH=str(self.collections),
            ANSIBLE_RETRY_FILES_ENABLED="0",
            **extra,
        )

    def run(self, cwd: Path, *args: str, env: dict[str, str] | None = None) -> Run:
        """`ansible-playbook ARGS` from cwd, a directory of the test's own."""
        assert not (cwd / "ansible.cfg").exists()
        return ansible_playbook(*args, cwd=cwd, env=env or self.env(), timeout=900)


class Sandbox(SandboxTree):
    """An empty working directory, a fake root for the managed files and a reports dir."""

    @property
    def cwd(self) -> Path:
        return self.path / "work"

    def vars_file(self, name: str = "run", **extra: Any) -> str:
        path = self.path / f"vars-{name}.json"
        path.write_text(json.dumps({**self.sandbox_vars(name), **extra}), encoding="utf-8")
        return f"@{path}"


def write_local_inventory(path: Path) -> Path:
    """This machine over a local connection, with the system Python (which has no
    kafka_vmtune installed): the modules must bring their module_utils with them."""
    interpreter = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    inventory = {
        "all": {
            "children": {
                "kafka_brokers": {
                    "hosts": {
                        "localhost": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": interpreter,
                        }
                    }
                }
            }
        }
    }
    path.write_text(json.dumps(inventory), encoding="utf-8")
    return path


# A user's own playbook: the collection's roles by FQCN, nothing else from this repository.
USER_PLAYBOOK = """\
- name: My fleet | vm.max_map_count from the kafka_vmtune.kafka roles
  hosts: kafka_brokers
  gather_facts: false
  tasks:
    - name: Measure the broker and plan its vm.max_map_count
      ansible.builtin.include_role:
        name: kafka_vmtune.kafka.kafka_facts
    - name: Persist and apply it
      ansible.builtin.include_role:
        name: kafka_vmtune.kafka.vm_max_map_count
    - name: Show the planned value
      ansible.builtin.debug:
        msg: "planned vm.max_map_count={{ ansible_facts.kafka_vmtune.plan.target }}"
"""
