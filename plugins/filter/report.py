"""Filter kafka_vmtune.kafka.host_breakdown: a host report as the lines an operator reads."""

from __future__ import annotations

DOCUMENTATION = r"""
name: host_breakdown
short_description: The per-host block of a kafka-vmtune host report (measurement, model, plan, status)
description:
  - Renders the host report the kafka_facts module returns (ansible_facts.kafka_vmtune) as the
    block the kafka_facts role prints - what was measured, the model in one line, the value at
    boot, the plan and the status - with the same code as C(kafka-vmtune inspect).
  - Rendering happens on the control node, so the module ships and runs only what measuring needs.
positional: _input
options:
  _input:
    description: The host report (ansible_facts.kafka_vmtune).
    type: dict
    required: true
  verbose:
    description: Add the model term by term, with the source of each value.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Show what was measured and planned
  ansible.builtin.debug:
    msg: "{{ kafka_facts_result.ansible_facts.kafka_vmtune | kafka_vmtune.kafka.host_breakdown }}"
"""

RETURN = r"""
_value:
  description: The block, lines of at most 120 columns.
  type: str
"""

from typing import Any, Callable, Dict, Mapping, cast

from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.contracts import (
    HostReport,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.report.render import (
    breakdown,
    model_table,
)


def host_breakdown(report: Mapping[str, Any], verbose: bool = False) -> str:
    """breakdown() of the report, plus the model's table when verbose."""
    from ansible.errors import AnsibleFilterError

    data = cast(HostReport, dict(report))  # the JSON edge: Ansible hands over a plain dict
    try:
        text = breakdown(data)
        return f"{text}\n{model_table(data['model'])}" if verbose else text
    except (KeyError, TypeError) as e:
        raise AnsibleFilterError(
            f"host_breakdown: not a kafka-vmtune host report ({e!r})"
        ) from None


class FilterModule:
    def filters(self) -> Dict[str, Callable[..., Any]]:  # noqa: UP006
        return {"host_breakdown": host_breakdown}
