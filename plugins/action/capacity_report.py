"""Action: write the fleet capacity report (capacity.md, capacity.json) on the control node.

The report is made where it is written: in the control node's Ansible process, with
kafka_vmtune.report.fleet_*. As a module it shipped every host's report as its
arguments to a Python started for it, the largest payload of a capacity check.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ansible.plugins.action import ActionBase
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.contracts import (
    HostEntry,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.report.fleet_files import (
    new_report_dir,
    point_latest,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.report.fleet_render import (
    summary_lines,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.report.fleet_report import (
    write_fleet_report,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.report.fleet_rows import (
    build_fleet,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.report.fleet_rules import (
    problem_hosts,
    problem_message,
)

SPEC: dict[str, Any] = {
    "hosts": {"type": "dict", "required": True},
    "dest": {"type": "path", "required": True},
    "name": {"type": "str"},
    "mode": {"type": "str", "default": "report", "choices": ["report", "check", "apply"]},
    "fail_on_critical": {"type": "bool", "default": True},
    "fail_on_down": {"type": "bool", "default": True},
    "generated_at": {"type": "str", "default": ""},
}


def write(p: dict[str, Any]) -> dict[str, Any]:
    """Build and write the report; the task's result (failed with the cause if it cannot)."""
    name = p.get("name")
    if name is not None and ("/" in name or name in ("", ".", "..", "latest")):
        return {"failed": True, "msg": f"name must be a plain directory name, not {name!r}"}
    # The JSON edge: the playbook's entries are taken as contracts.HostEntry from here on.
    hosts: dict[str, HostEntry] = p["hosts"]
    fleet = build_fleet(hosts, mode=p["mode"], generated_at=p["generated_at"])
    directory = os.path.join(p["dest"], name or "")
    try:
        if name is None:  # a directory of its own, even for two runs in the same second
            directory = new_report_dir(p["dest"], time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
        md_path, json_path = write_fleet_report(fleet, directory)
        point_latest(directory)
    except OSError as exc:
        return {"failed": True, "msg": f"cannot write the capacity report into {directory}: {exc}"}
    lines = summary_lines(fleet)
    problems = problem_hosts(
        fleet.rows, fail_on_critical=p["fail_on_critical"], fail_on_down=p["fail_on_down"]
    )

    def hosts_in(*states: str) -> list[str]:
        return [r.host for r in fleet.rows if r.state in states]

    return {
        "changed": True,
        "table": "\n".join([*lines, f"report: {md_path} (+ capacity.json)"]),
        "markdown": md_path,
        "json": json_path,
        "summary": fleet.summary.as_json(),
        "lines": lines,
        "problems": problems,
        "message": problem_message(fleet.rows, problems, md_path),
        "down": hosts_in("down"),
        "critical": hosts_in("critical"),
        # Not "unreachable": Ansible reads that result key as the control node being unreachable.
        "not_reported": hosts_in("unreachable", "failed"),
    }


class ActionModule(ActionBase):  # type: ignore[misc]  # ansible-core has no type hints
    # The report is the product of a dry run too: it is written on the control node, which
    # is not the managed state.
    _supports_check_mode = True

    def run(
        self, tmp: str | None = None, task_vars: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        params = self.validate_argument_spec(argument_spec=SPEC)[1]
        result.update(write(dict(params)))
        return result
