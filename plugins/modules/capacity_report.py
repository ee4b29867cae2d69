#!/usr/bin/python
# The documentation of the capacity_report action (plugins/action/capacity_report.py), which
# writes the report on the control node; there is no module code to run on a host.
"""Documentation of the capacity_report action plugin."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: capacity_report
short_description: Write the kafka-vmtune fleet capacity report
description:
  - Builds one row per host from the hosts' reports (unreachable and failed hosts included,
    as such) with kafka_vmtune.report.fleet_rows, writes capacity.md and capacity.json into
    I(dest)/I(name) and points I(dest)/latest at it. Files are written under unique temporary
    names and renamed into place, so concurrent runs and readers never see half a report.
  - An action - it runs in the control node's Ansible process (no module shipped, no payload
    of every host report) and writes the report, its product, also in check mode.
options:
  hosts:
    description: "Per host: state, report, error, change."
    type: dict
    required: true
  dest:
    description: Reports directory.
    type: path
    required: true
  name:
    description:
      - Sub-directory for this report, replaced file by file when it exists.
      - Default a new directory named by the time (UTC, C(%Y%m%dT%H%M%SZ)), with C(-2),
        C(-3)... added when another run took that name in the same second.
    type: str
  mode:
    description: C(report) (capacity_check), C(check) or C(apply) (tune_vm).
    type: str
    default: report
    choices: [report, check, apply]
  fail_on_critical:
    description: Count critical brokers as problems.
    type: bool
    default: true
  fail_on_down:
    description: Count brokers that are down as problems (tune_vm starts them instead).
    type: bool
    default: true
  generated_at:
    description: Timestamp printed in the report.
    type: str
    default: ""
author: kafka-vmtune maintainers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Write the fleet report of the brokers measured by kafka_facts
  kafka_vmtune.kafka.capacity_report:
    hosts:
      broker1:
        state: reported
        report: "{{ hostvars['broker1'].ansible_facts.kafka_vmtune }}"
    dest: /var/lib/kafka-vmtune/reports
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
markdown:
  description: Path of capacity.md.
  returned: success
  type: str
json:
  description: Path of capacity.json.
  returned: success
  type: str
summary:
  description: Counts per state.
  returned: success
  type: dict
lines:
  description: The summary table, one line per host.
  returned: success
  type: list
  elements: str
table:
  description: The same lines and the report path as one text.
  returned: success
  type: str
problems:
  description: Hosts that make the run fail (unreachable, failed, down, critical).
  returned: success
  type: list
  elements: str
message:
  description: The failure message naming each problem host and its state (empty when none).
  returned: success
  type: str
down:
  description: Brokers that are down (their unit failed or stopped, no JVM).
  returned: success
  type: list
  elements: str
"""
