"""Filter kafka_vmtune.kafka.fleet_entries: every broker's outcome, for the capacity report."""

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet_entries
short_description: Each broker's state, host report, error and change record
description:
  - Collects, for every host of the list that ran the brokers' play, what the capacity
    report needs (report.contracts.HostEntry) - the state (reported, unreachable, failed),
    the host report (ansible_facts.kafka_vmtune), the error, and the change record
    (kafka_vmtune_change) - from the registered result of the kafka_facts role and the
    facts the apply roles set. Hosts outside --limit are left out.
positional: hosts
options:
  _input:
    description: hostvars.
    type: dict
    required: true
  hosts:
    description: The broker group's host names.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
capacity_report_hosts: "{{ hostvars | kafka_vmtune.kafka.fleet_entries(groups['kafka_brokers']) }}"
"""

RETURN = r"""
_value:
  description: Host name -> {state, report, error, change}.
  type: dict
"""

from typing import Any, Callable, Dict, List, Mapping


def _entry(hv: Mapping[str, Any]) -> Dict[str, Any] | None:  # noqa: UP006
    result = hv.get("kafka_facts_result")
    state = hv.get("kafka_vmtune_host_state")  # set by tune-vm.yml when applying failed
    if state is None and not isinstance(result, Mapping):
        return None  # the brokers' play did not run on it (--limit)
    result = result if isinstance(result, Mapping) else {}
    error = hv.get("kafka_vmtune_error")
    if state is None:
        if result.get("unreachable"):
            state, error = "unreachable", result.get("msg") or "unreachable"
        elif result.get("failed"):
            state, error = "failed", result.get("msg") or "kafka_facts failed"
        else:
            state = "reported"
    facts = hv.get("ansible_facts") or {}
    return {
        "state": state,
        "report": facts.get("kafka_vmtune"),
        "error": error,
        "change": hv.get("kafka_vmtune_change"),
    }


def fleet_entries(hostvars: Mapping[str, Any], hosts: List[str]) -> Dict[str, Any]:  # noqa: UP006
    out: Dict[str, Any] = {}  # noqa: UP006
    for name in hosts:
        if name in hostvars:
            entry = _entry(hostvars[name])
            if entry is not None:
                out[name] = entry
    return out


class FilterModule:
    def filters(self) -> Dict[str, Callable[..., Any]]:  # noqa: UP006
        return {"fleet_entries": fleet_entries}
