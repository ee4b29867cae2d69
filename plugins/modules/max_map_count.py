#!/usr/bin/python
"""Ansible module: apply a host's vm.max_map_count plan (file, live value, boot proof)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: max_map_count
short_description: Persist and apply vm.max_map_count as the kafka-vmtune plan says
description:
  - Writes the sysctl.d file kafka-vmtune owns (only when its value changes), raises the
    live value through /proc/sys (never lowers it), then evaluates the sysctl files in
    systemd-sysctl's order to prove the value survives a reboot.
  - The decisions come from the host report's plan (module kafka_facts); this module only
    applies them. Under check mode nothing is written and the boot value is evaluated as if
    the planned file were in place. Supports diff.
options:
  report:
    description: The host report of M(kafka_vmtune.kafka.kafka_facts) (with its plan).
    type: dict
    required: true
  sysctl_file:
    description: Our sysctl.d file (default /etc/sysctl.d/60-kafka-vmtune.conf).
    type: raw
  root:
    description: Root the file is written under (default /).
    type: raw
  proc:
    description: Mount point of procfs (default /proc).
    type: raw
  apply_live:
    description: Raise the live value too (default true).
    type: raw
  verify_boot:
    description: Fail when the value would not survive a reboot (default true).
    type: raw
  max_map_count:
    description: The operator's fixed value, if any (says so in the file).
    type: raw
notes:
  - Every option but O(report) is checked by the collection's one settings table, which names
    the inventory variable (kafka_vmtune_<option>) in its error.
author: kafka-vmtune maintainers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Measure the broker and plan its vm.max_map_count
  kafka_vmtune.kafka.kafka_facts:

- name: Persist and apply the plan (never lowers the value)
  kafka_vmtune.kafka.max_map_count:
    report: "{{ ansible_facts.kafka_vmtune }}"
  register: applied

- name: Show what was done
  ansible.builtin.debug:
    var: applied.lines
"""

RETURN = r"""
change:
  description: The change record (file, live, boot value) the fleet report reads.
  returned: always
  type: dict
lines:
  description: What was done or would be done, one line each.
  returned: always
  type: list
  elements: str
"""

import socket

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune import settings
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.apply.max_map_count import (
    apply,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.errors import (
    VmtuneError,
)

OPTIONS = ("sysctl_file", "root", "proc", "apply_live", "verify_boot", "max_map_count")


def main() -> None:
    spec = settings.module_argument_spec(*OPTIONS)
    spec["report"] = {"type": "dict", "required": True}
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    report = module.params["report"]
    try:
        opts = settings.parse_all({k: module.params[k] for k in OPTIONS})
        if "plan" not in report:
            raise VmtuneError("the host report has no plan: run the kafka_facts module first")
        out = apply(
            report,
            hostname=str(report.get("hostname") or socket.gethostname()),
            sysctl_file_path=str(opts["sysctl_file"]),
            root=str(opts["root"]),
            proc=str(opts["proc"]),
            apply_live=bool(opts["apply_live"]),
            verify_boot=bool(opts["verify_boot"]),
            check=module.check_mode,
        )
    except (VmtuneError, OSError) as exc:
        module.fail_json(msg=str(exc))
    result = {"changed": out["changed"], "change": out["change"], "lines": out["lines"]}
    if out["diff"] is not None:
        result["diff"] = out["diff"]
    if out["failed"]:
        module.fail_json(msg=out["boot_message"], **result)
    module.exit_json(msg="\n".join(out["lines"]), **result)


if __name__ == "__main__":
    main()
