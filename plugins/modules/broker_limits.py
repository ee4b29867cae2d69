#!/usr/bin/python
"""Ansible module: the broker unit's drop-in (LimitNOFILE, MALLOC_ARENA_MAX) as planned."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: broker_limits
short_description: Write the broker unit's drop-in from the kafka-vmtune plan; check its stop timeout
description:
  - Writes a systemd drop-in with LimitNOFILE (never lowered below a value already there) and
    MALLOC_ARENA_MAX as the host report's plan says, and tells whether the running broker
    needs a restart for them to take effect.
  - Reads the unit's TimeoutStopSec and warns when it is shorter than a controlled shutdown
    may take. Supports check mode and diff.
options:
  report:
    description: The host report of M(kafka_vmtune.kafka.kafka_facts) (with its plan).
    type: dict
    required: true
  unit:
    description: The broker's unit (default the one the broker was found by, else O(service_name)).
    type: str
  service_name:
    description: Unit name used when nothing else names it.
    type: str
    default: kafka
  root:
    description: Root the drop-in is written under (default /).
    type: raw
  systemd_dir:
    description: Where unit drop-ins live.
    type: str
    default: /etc/systemd/system
  dropin_name:
    description: File name of the drop-in (ends in .conf).
    type: str
    default: 60-kafka-vmtune.conf
  check_stop_timeout:
    description: Read the unit's TimeoutStopSec.
    type: bool
    default: true
  controlled_shutdown_budget:
    description: Seconds a controlled shutdown may take.
    type: float
    default: 300
author: kafka-vmtune maintainers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Measure the broker (the plan says which limits to manage)
  kafka_vmtune.kafka.kafka_facts:
    manage_nofile: true
    malloc_arena_max: 4

- name: Write the drop-in, check TimeoutStopSec
  kafka_vmtune.kafka.broker_limits:
    report: "{{ ansible_facts.kafka_vmtune }}"
    service_name: kafka
  register: limits

- name: Say whether the broker needs a restart
  ansible.builtin.debug:
    msg: "{{ limits.restart_reasons }}"
  when: limits.restart_due
"""

RETURN = r"""
limits:
  description: The drop-in record (path, action, values).
  returned: when the plan manages a limit
  type: dict
stop_timeout:
  description: The unit's stop timeout check.
  returned: when checked
  type: dict
restart_due:
  description: Whether the running broker needs a restart for the limits.
  returned: always
  type: bool
restart_reasons:
  description: Why.
  returned: always
  type: list
  elements: str
required_process:
  description: What a restarted broker must show.
  returned: always
  type: dict
lines:
  description: What was done or would be done.
  returned: always
  type: list
  elements: str
"""

import os
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune import settings
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.apply import dropin
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.errors import (
    VmtuneError,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.facts import systemd


def main() -> None:
    spec = settings.module_argument_spec("root")
    spec.update(
        report={"type": "dict", "required": True},
        unit={"type": "str"},
        service_name={"type": "str", "default": "kafka"},
        systemd_dir={"type": "str", "default": "/etc/systemd/system"},
        dropin_name={"type": "str", "default": "60-kafka-vmtune.conf"},
        check_stop_timeout={"type": "bool", "default": True},
        controlled_shutdown_budget={"type": "float", "default": 300.0},
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    report = p["report"]
    try:
        root = str(settings.parse("root", p["root"]))
        # Names stay names: no '../' may carry the drop-in out of the unit's directory.
        problems = settings.name_errors(
            {
                "kafka_vmtune_dropin_name": p["dropin_name"],
                "kafka_vmtune_systemd_dir": p["systemd_dir"],
            }
        )
        if problems:
            raise VmtuneError("; ".join(problems))
        named_unit = settings.parse("unit", p["unit"])
        unit = systemd.unit_name(
            None if named_unit is None else str(named_unit),
            (report.get("kafka") or {}).get("unit"),
            str(settings.parse("service_name", p["service_name"])),
        )
        # Only a broker's unit has a stop timeout worth checking: one that runs, or is named.
        named = p["unit"] or (report.get("kafka") or {}).get("found")
        stop = systemd.stop_timeout(unit) if p["check_stop_timeout"] and named else None
        budget = float(p["controlled_shutdown_budget"])
        lines: list[str] = []
        result: dict[str, Any] = {
            "changed": False,
            "restart_due": False,
            "restart_reasons": [],
            "required_process": {},
        }
        plan = report.get("plan") or {}
        # The plan says whether anything is managed (kafka_vmtune_manage_nofile, _malloc_arena_max).
        if plan.get("nofile") is not None or plan.get("malloc_arena_max") is not None:
            path = os.path.join(root, p["systemd_dir"].lstrip("/"), f"{unit}.d", p["dropin_name"])
            out = dropin.apply(
                report, os.path.normpath(path), stop, budget, check=module.check_mode
            )
            lines = list(out["lines"])
            result.update({k: v for k, v in out.items() if k not in ("diff", "lines")})
            if out["diff"] is not None:
                result["diff"] = out["diff"]
        elif stop is not None:
            lines = [dropin.stop_line(stop, budget)]
        if stop is not None:
            result["stop_timeout"] = dropin.stop_record(stop, budget)
    except (VmtuneError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(msg="\n".join(lines), lines=lines, **result)


if __name__ == "__main__":
    main()
