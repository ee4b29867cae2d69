#!/usr/bin/python
"""Ansible module: the safety phases of a Kafka rolling restart, run on the control node."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_restart
short_description: Order a Kafka rolling restart and check the cluster after it (Admin API)
description:
  - Runs on the control node (delegate_to localhost) with confluent-kafka installed.
  - C(order) returns the brokers in restart order, brokers that are down first, the active
    controller last.
  - The per-broker sequence itself (gate, stop, start, registered, caught up, preferred
    leaders) is the action M(kafka_vmtune.kafka.kafka_roll_broker).
  - C(healthy) (after the last broker) waits up to O(gate_timeout) until every broker is
    registered and nothing is under-replicated, so a roll never ends well on a broker that
    died during it.
  - Stops and starts nothing itself; the role does that through the service manager.
options:
  phase:
    type: str
    required: true
    choices: [order, healthy]
    description: Which phase.
  node_id:
    type: int
    description: The last broker of the roll (healthy), for the message.
  node_ids:
    type: list
    elements: int
    description: Brokers to order (order); brokers that must be registered (healthy).
  down:
    type: list
    elements: int
    default: []
    description: Brokers that are down (order puts them first, to be started).
  bootstrap_servers: {type: str, required: true, description: Kafka bootstrap servers.}
  client_config:
    type: dict
    default: {}
    description: Extra librdkafka settings (SASL/SSL); never logged.
  gate_timeout: {type: float, default: 300.0, description: Seconds to wait for the gate.}
  poll_interval: {type: float, default: 1.0, description: Longest pause between checks.}
  request_timeout: {type: float, default: 30.0, description: Seconds per admin request.}
  controller_last: {type: bool, default: true, description: Order the active controller last.}
  quorum_replication:
    type: str
    description: Output of C(kafka-metadata-quorum.sh describe --replication), taken just before.
  quorum_max_lag: {type: int, default: 100, description: Max lag of a caught-up voter.}
  quorum_max_stale:
    type: float
    default: 30
    description: A voter whose last catch-up is older than the leader's by more is lagging (s).
requirements:
  - confluent-kafka (on the control node)
author: kafka-vmtune maintainers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Order the roll (active controller last)
  kafka_vmtune.kafka.kafka_restart:
    phase: order
    node_ids: [1, 2, 3]
    bootstrap_servers: broker1:9092,broker2:9092,broker3:9092
  delegate_to: localhost
"""

RETURN = r"""
order: {description: Brokers in restart order (phase order), type: list, returned: phase order}
active_controller: {description: Active controller id or null, type: int, returned: phase order}
controller_source: {description: quorum/metadata/unknown, type: str, returned: phase order}
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.admin import (
    AdminError,
    parse_quorum_replication,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.connect import (
    connect,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.machine import (
    RestartError,
    RollSettings,
    SystemClock,
    order_brokers,
    run_final_check,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.settings import (
    roll_default,
)

ARGUMENT_SPEC: dict[str, Any] = {
    "phase": {"type": "str", "required": True, "choices": ["order", "healthy"]},
    "node_id": {"type": "int"},
    "node_ids": {"type": "list", "elements": "int"},
    "down": {"type": "list", "elements": "int", "default": []},
    "bootstrap_servers": {"type": "str", "required": True},
    "client_config": {"type": "dict", "default": {}, "no_log": True},
    "gate_timeout": {"type": "float", "default": roll_default("restart_gate_timeout")},
    "poll_interval": {"type": "float", "default": roll_default("restart_poll_interval")},
    "request_timeout": {"type": "float", "default": roll_default("restart_request_timeout")},
    "controller_last": {"type": "bool", "default": True},
    "quorum_replication": {"type": "str"},
    "quorum_max_lag": {"type": "int", "default": 100},
    "quorum_max_stale": {"type": "float", "default": 30.0},
}


def _admin(module: Any) -> Any:
    """The KafkaAdmin (confluent-kafka; in tests a stand-in, see restart.connect)."""
    p = module.params
    quorum = None
    if p["quorum_replication"]:
        try:
            quorum = parse_quorum_replication(
                p["quorum_replication"], p["quorum_max_lag"], int(p["quorum_max_stale"] * 1000)
            )
        except (AdminError, ValueError) as exc:
            module.fail_json(msg=f"quorum_replication: {exc}")
    try:
        return connect(
            p["bootstrap_servers"],
            p["client_config"],
            request_timeout=p["request_timeout"],
            quorum=quorum,
        )
    except AdminError as exc:
        module.fail_json(msg=str(exc))


def _order(module: Any, admin: Any, node_ids: list[int]) -> None:
    p = module.params
    try:
        snap = admin.snapshot()
    except AdminError as exc:
        module.fail_json(msg=f"cannot order brokers: {exc}")
    active = snap.active_controller
    source = "unknown" if active is None else ("quorum" if snap.quorum else "metadata")
    order = order_brokers(node_ids, active, p["controller_last"], p["down"])
    module.exit_json(
        changed=False,
        order=order,
        active_controller=active,
        controller_source=source,
        msg=f"restart order {order} (active controller {active}, from {source})",
    )


def _healthy(module: Any, admin: Any, node_ids: list[int]) -> None:
    p = module.params
    settings = RollSettings(
        gate_timeout=p["gate_timeout"],
        poll_interval=p["poll_interval"],
        expected_brokers=frozenset(node_ids) if node_ids else None,
    )
    node = -1 if p["node_id"] is None else p["node_id"]
    try:
        res = run_final_check(admin, node, settings, SystemClock(), node_ids=node_ids)
    except RestartError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(
        changed=False,
        waited_s=round(res.elapsed, 3),
        waits=res.first_reasons,
        msg=f"cluster healthy: {len(res.snapshot.brokers) if res.snapshot else 0} brokers "
        "registered, no under-replicated partition",
    )


def main() -> None:
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[("phase", "order", ["node_ids"])],
        supports_check_mode=True,
    )
    p = module.params
    node_ids: list[int] = p["node_ids"] or []
    if p["phase"] == "order" and not node_ids:
        module.fail_json(msg="node_ids is empty: nothing to order")
    for name in ("gate_timeout", "poll_interval", "request_timeout"):
        if p[name] <= 0:
            module.fail_json(msg=f"{name} must be greater than 0, got {p[name]}")
    admin = _admin(module)
    if p["phase"] == "order":
        _order(module, admin, node_ids)
    _healthy(module, admin, node_ids)


if __name__ == "__main__":
    main()
