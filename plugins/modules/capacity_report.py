#!/usr/bin/python
"""Ansible module: write the fleet capacity report (capacity.md, capacity.json) on the control node."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: capacity_report
short_description: Write the kafka-vmtune fleet capacity report
description:
  - Builds one row per host from the hosts' reports (unreachable and failed hosts included,
    as such) with kafka_vmtune.report.fleet_report, writes capacity.md and capacity.json into
    I(dest)/I(name) and points I(dest)/latest at it.
  - Runs on the control node. Writing the report is its product, also in check mode.
options:
  hosts: {description: "Per host: state, report, error, change.", type: dict, required: true}
  dest: {description: Reports directory., type: path, required: true}
  name: {description: Sub-directory for this report., type: str, required: true}
  mode: {description: report (capacity-check), check or apply (tune-vm)., type: str, default: report,
         choices: [report, check, apply]}
  fail_on_critical: {description: Count critical brokers as problems., type: bool, default: true}
  generated_at: {description: Timestamp printed in the report., type: str, default: ""}
author: kafka-vmtune
"""

RETURN = r"""
markdown: {description: Path of capacity.md., returned: success, type: str}
json: {description: Path of capacity.json., returned: success, type: str}
summary: {description: Counts per state., returned: success, type: dict}
lines: {description: The summary table, one line per host., returned: success, type: list}
table: {description: The same lines and the report path as one text., returned: success, type: str}
problems: {description: Hosts that make the run fail (unreachable, failed, critical)., returned: success, type: list}
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.report.fleet_report import (
    build_fleet,
    point_latest,
    problem_hosts,
    summary_lines,
    write_fleet_report,
)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "hosts": {"type": "dict", "required": True},
            "dest": {"type": "path", "required": True},
            "name": {"type": "str", "required": True},
            "mode": {"type": "str", "default": "report", "choices": ["report", "check", "apply"]},
            "fail_on_critical": {"type": "bool", "default": True},
            "generated_at": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    p = module.params
    if "/" in p["name"] or p["name"] in ("", ".", "..", "latest"):
        module.fail_json(msg=f"name must be a plain directory name, not {p['name']!r}")
    fleet = build_fleet(p["hosts"], mode=p["mode"], generated_at=p["generated_at"])
    directory = os.path.join(p["dest"], p["name"])
    try:
        md_path, json_path = write_fleet_report(fleet, directory)
        point_latest(directory)
    except OSError as exc:
        module.fail_json(msg=f"cannot write the capacity report into {directory}: {exc}")
    lines = summary_lines(fleet)
    module.exit_json(
        changed=True,
        table="\n".join([*lines, f"report: {md_path} (+ capacity.json)"]),
        markdown=md_path,
        json=json_path,
        summary=fleet["summary"],
        lines=lines,
        problems=problem_hosts(fleet, fail_on_critical=p["fail_on_critical"]),
        critical=[r["host"] for r in fleet["hosts"] if r["state"] == "critical"],
        # Not "unreachable": Ansible reads that result key as the control node being unreachable.
        not_reported=[r["host"] for r in fleet["hosts"] if r["state"] in ("unreachable", "failed")],
    )


if __name__ == "__main__":
    main()
