#!/usr/bin/python
"""Ansible module: measure a Kafka broker host and compute its vm.max_map_count need."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_facts
short_description: Read a Kafka broker host and return the kafka-vmtune host report
description:
  - Finds the broker (by PID, systemd unit or the kafka.Kafka main class), reads its map
    areas, threads, arenas and descriptors from /proc, scans its log.dirs, evaluates the
    sysctl files systemd-sysctl applies at boot, and computes required and recommended
    vm.max_map_count with the kafka-vmtune model.
  - Changes nothing. A host without Kafka still gets a complete report (kafka.found false).
options:
  pid: {description: Broker PID (skips discovery)., type: int}
  unit: {description: systemd unit whose MainPID is the broker., type: str}
  server_properties: {description: Path of server.properties (default from the command line)., type: str}
  headroom: {description: Factor over the computed need., type: float, default: 1.5}
  floor: {description: Lowest value ever recommended., type: int, default: 262144}
  warn_ratio: {description: Used/limit ratio that warns., type: float, default: 0.7}
  critical_ratio: {description: Used/limit ratio that is critical., type: float, default: 0.9}
  sysctl_file: {description: The sysctl.d file kafka-vmtune owns (as the host sees it)., type: str,
                default: /etc/sysctl.d/60-kafka-vmtune.conf}
  root: {description: Root of the tree whose sysctl files are evaluated., type: path, default: /}
  proc: {description: Mount point of procfs., type: path, default: /proc}
author: kafka-vmtune
"""

RETURN = r"""
ansible_facts:
  description: kafka_vmtune, the host report (schema 1, see the README).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.errors import VmtuneError
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.pipeline import inspect_host


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "pid": {"type": "int"},
            "unit": {"type": "str"},
            "server_properties": {"type": "str"},
            "headroom": {"type": "float", "default": 1.5},
            "floor": {"type": "int", "default": 262144},
            "warn_ratio": {"type": "float", "default": 0.7},
            "critical_ratio": {"type": "float", "default": 0.9},
            "sysctl_file": {"type": "str", "default": "/etc/sysctl.d/60-kafka-vmtune.conf"},
            "root": {"type": "path", "default": "/"},
            "proc": {"type": "path", "default": "/proc"},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        report = inspect_host(
            pid=p["pid"],
            unit=p["unit"],
            server_properties=p["server_properties"],
            headroom=p["headroom"],
            floor=p["floor"],
            warn_ratio=p["warn_ratio"],
            critical_ratio=p["critical_ratio"],
            proc=p["proc"],
            root=p["root"],
            sysctl_file=p["sysctl_file"],
        )
    except VmtuneError as exc:  # InputError, FactsError: one clear line
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, ansible_facts={"kafka_vmtune": report})


if __name__ == "__main__":
    main()
