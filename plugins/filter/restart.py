"""Filter kafka_vmtune.kafka.restart_decision: does this broker restart, and why.

The decision is restart.decide.decide(); the rolling_restart role calls this filter once
per broker and copies its fields into facts, so no part of the rule is written in Jinja.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: restart_decision
short_description: Whether the rolling restart takes this broker, and why
description:
  - Decides for one broker, under policy C(never), C(auto) or C(always), whether the roll
    restarts it (or starts it, when its host report says it is down), and gives the reason
    the role shows and records.
  - C(auto) takes brokers that are down, flagged with C(kafka_vmtune_restart_needed) or
    listed in C(kafka_vmtune_restart_hosts). A resumed roll skips a broker whose process
    started after the roll began with the required process settings in effect.
  - Fails with a message naming the bad value (e.g. an unknown policy).
positional: _input
options:
  _input:
    description: The host report (C(ansible_facts.kafka_vmtune)); none or empty without facts.
    type: dict
    required: true
  policy:
    description: C(kafka_vmtune_restart_policy).
    type: str
    choices: [never, auto, always]
    required: true
  restart_needed:
    description: C(kafka_vmtune_restart_needed).
    type: bool
    required: true
  listed:
    description: Whether the host is in C(kafka_vmtune_restart_hosts).
    type: bool
    required: true
  required_process:
    description: C(kafka_vmtune_restart_required_process), keys of the report's C(process).
    type: dict
    required: true
  resuming:
    description: Whether the roll resumes one that stopped half way.
    type: bool
    required: true
  roll_started_at:
    description: Epoch seconds the roll began.
    type: float
    required: true
  node_id:
    description: C(kafka_vmtune_node_id); none to take the report's C(kafka.node_id).
    type: int
    required: false
"""

EXAMPLES = r"""
- name: Decide whether this broker restarts
  vars:
    _decision: >-
      {{ ansible_facts.kafka_vmtune | default(none)
         | kafka_vmtune.kafka.restart_decision(
             policy=kafka_vmtune_restart_policy,
             restart_needed=kafka_vmtune_restart_needed,
             listed=inventory_hostname in kafka_vmtune_restart_hosts,
             required_process=kafka_vmtune_restart_required_process,
             resuming=rolling_restart_resuming,
             roll_started_at=rolling_restart_started_at,
             node_id=kafka_vmtune_node_id | default(none)) }}
  ansible.builtin.debug:
    msg: "{{ 'restart' if _decision.selected else 'no restart' }} ({{ _decision.reason }})"
"""

RETURN = r"""
_value:
  description: The decision.
  type: dict
  contains:
    selected:
      description: The roll restarts (or, when down, starts) this broker.
      type: bool
    down:
      description: The host report says the broker died (started, not stopped).
      type: bool
    node_id:
      description: The broker's Kafka node id; none when unknown.
      type: int
    reason:
      description: Why, in one phrase.
      type: str
"""

from dataclasses import asdict
from typing import Any, Callable

from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.errors import (
    InputError,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.decide import (
    decide,
)


def restart_decision(
    report: Any,
    *,
    policy: str,
    restart_needed: Any,
    listed: bool,
    required_process: Any,
    resuming: Any,
    roll_started_at: float,
    node_id: Any = None,
) -> dict[str, Any]:
    from ansible.errors import AnsibleFilterError

    try:
        decision = decide(
            policy,
            report,
            restart_needed=restart_needed,
            listed=listed,
            required_process=required_process,
            resuming=resuming,
            roll_started_at=roll_started_at,
            node_id=node_id,
        )
    except InputError as e:
        raise AnsibleFilterError(f"restart_decision: {e}") from None
    return asdict(decision)


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"restart_decision": restart_decision}
