#!/usr/bin/python
"""Ansible module: the safety phases of a Kafka rolling restart, run on the control node."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_restart
short_description: Gate, order and verify a Kafka broker restart through the Admin API
description:
  - Runs on the control node (delegate_to localhost) with confluent-kafka installed.
  - C(order) returns the brokers in restart order, the active controller last.
  - C(gate) waits until stopping O(node_id) is safe (all brokers registered and unfenced, no
    under-replicated partition, no partition dropping below min.insync.replicas, KRaft quorum
    majority without it) or fails naming what blocked.
  - C(after_start) waits until the started broker is registered, back in the ISR of every
    partition it hosts, then runs a preferred-leader election for its partitions and verifies
    it leads them again.
  - C(healthy) (after the last broker) waits up to O(gate_timeout) until every broker is
    registered and nothing is under-replicated, so a roll never ends well on a broker that
    died during it.
  - Stops and starts nothing itself; the role does that through the service manager.
options:
  phase:
    type: str
    required: true
    choices: [order, gate, after_start, healthy]
    description: Which phase.
  node_id:
    type: int
    description: The broker being restarted (phases gate and after_start).
  node_ids:
    type: list
    elements: int
    description: Brokers to order (order); brokers that must be registered (gate).
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
  gate_timeout: {type: float, default: 600, description: Seconds to wait for the gate.}
  start_timeout: {type: float, default: 600, description: Seconds from start until registered.}
  catchup_timeout: {type: float, default: 1800, description: Seconds until back in every ISR.}
  election_timeout: {type: float, default: 120, description: Seconds until leadership is back.}
  poll_interval: {type: float, default: 5, description: Seconds between checks.}
  request_timeout: {type: float, default: 30, description: Seconds per admin request.}
  controller_last: {type: bool, default: true, description: Order the active controller last.}
  require_quorum: {type: bool, default: false, description: Block when the KRaft quorum is unknown.}
  quorum_replication:
    type: str
    description: Output of C(kafka-metadata-quorum.sh describe --replication), taken just before.
  quorum_max_lag: {type: int, default: 100, description: Max lag of a caught-up voter.}
  quorum_max_stale:
    type: float
    default: 30
    description: A voter whose last catch-up is older than the leader's by more is lagging (s).
  admin_factory:
    type: str
    default: ""
    description: Empty for confluent-kafka; tests name a stand-in KafkaAdmin (module:callable).
requirements:
  - confluent-kafka (on the control node)
author: kafka-vmtune maintainers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Wait until stopping broker 2 is safe
  kafka_vmtune.kafka.kafka_restart:
    phase: gate
    node_id: 2
    node_ids: [1, 2, 3]
    bootstrap_servers: broker1:9092,broker2:9092,broker3:9092
  delegate_to: localhost
"""

RETURN = r"""
order: {description: Brokers in restart order (phase order), type: list, returned: phase order}
active_controller: {description: Active controller id or null, type: int, returned: phase order}
controller_source: {description: quorum/describe_cluster/unknown, type: str, returned: phase order}
report:
  description: Per-broker phase report (timings, waits, partitions led before/after)
  type: dict
  returned: phase gate and after_start
"""

import importlib
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.admin import (
    AdminError,
    parse_quorum_replication,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.confluent_admin import (
    ConfluentAdmin,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.machine import (
    RestartError,
    RollSettings,
    SystemClock,
    order_brokers,
    run_after_start,
    run_final_check,
    run_gate,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.report import (
    BrokerReport,
)

ARGUMENT_SPEC: dict[str, Any] = {
    "phase": {
        "type": "str",
        "required": True,
        "choices": ["order", "gate", "after_start", "healthy"],
    },
    "node_id": {"type": "int"},
    "node_ids": {"type": "list", "elements": "int"},
    "down": {"type": "list", "elements": "int", "default": []},
    "bootstrap_servers": {"type": "str", "required": True},
    "client_config": {"type": "dict", "default": {}, "no_log": True},
    "gate_timeout": {"type": "float", "default": 600.0},
    "start_timeout": {"type": "float", "default": 600.0},
    "catchup_timeout": {"type": "float", "default": 1800.0},
    "election_timeout": {"type": "float", "default": 120.0},
    "poll_interval": {"type": "float", "default": 5.0},
    "request_timeout": {"type": "float", "default": 30.0},
    "controller_last": {"type": "bool", "default": True},
    "require_quorum": {"type": "bool", "default": False},
    "quorum_replication": {"type": "str"},
    "quorum_max_lag": {"type": "int", "default": 100},
    "quorum_max_stale": {"type": "float", "default": 30.0},
    "admin_factory": {"type": "str", "default": ""},
}
TIMEOUTS = ("gate_timeout", "start_timeout", "catchup_timeout", "election_timeout")


def main() -> None:
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[
            ("phase", "gate", ["node_id"]),
            ("phase", "after_start", ["node_id"]),
            ("phase", "order", ["node_ids"]),
        ],
        supports_check_mode=True,
    )
    p = module.params
    node_ids: list[int] = p["node_ids"] or []
    if p["phase"] == "order" and not node_ids:
        module.fail_json(msg="node_ids is empty: nothing to order")
    for name in (*TIMEOUTS, "poll_interval", "request_timeout"):
        if p[name] <= 0:
            module.fail_json(msg=f"{name} must be greater than 0, got {p[name]}")
    quorum = None
    if p["quorum_replication"]:
        try:
            quorum = parse_quorum_replication(
                p["quorum_replication"], p["quorum_max_lag"], int(p["quorum_max_stale"] * 1000)
            )
        except (AdminError, ValueError) as exc:
            module.fail_json(msg=f"quorum_replication: {exc}")
    settings = RollSettings(
        gate_timeout=p["gate_timeout"],
        start_timeout=p["start_timeout"],
        catchup_timeout=p["catchup_timeout"],
        election_timeout=p["election_timeout"],
        poll_interval=p["poll_interval"],
        controller_last=p["controller_last"],
        require_quorum=p["require_quorum"],
        expected_brokers=frozenset(node_ids) if node_ids else None,
    )
    factory: Any = ConfluentAdmin
    if p["admin_factory"]:
        module_name, _, name = p["admin_factory"].partition(":")
        factory = getattr(importlib.import_module(module_name), name)
    try:
        admin = factory(
            p["bootstrap_servers"],
            p["client_config"],
            request_timeout=p["request_timeout"],
            quorum=quorum,
        )
    except AdminError as exc:
        module.fail_json(msg=str(exc))

    if p["phase"] == "order":
        try:
            snap = admin.snapshot()
        except AdminError as exc:
            module.fail_json(msg=f"cannot order brokers: {exc}")
        active = snap.active_controller
        source = "unknown" if active is None else ("quorum" if snap.quorum else "describe_cluster")
        order = order_brokers(node_ids, active, p["controller_last"], p["down"])
        module.exit_json(
            changed=False,
            order=order,
            active_controller=active,
            controller_source=source,
            msg=f"restart order {order} (active controller {active}, from {source})",
        )

    if p["phase"] == "healthy":
        try:
            res = run_final_check(
                admin,
                -1 if p["node_id"] is None else p["node_id"],
                settings,
                SystemClock(),
                node_ids=node_ids,
            )
        except RestartError as exc:
            module.fail_json(msg=str(exc))
        module.exit_json(
            changed=False,
            waited_s=round(res.elapsed, 3),
            waits=res.first_reasons,
            msg=f"cluster healthy: {len(res.snapshot.brokers) if res.snapshot else 0} brokers "
            "registered, no under-replicated partition",
        )

    node_id = p["node_id"]
    report = BrokerReport(node_id)
    quorum_known = "known" if quorum is not None else "unknown"
    try:
        if p["phase"] == "gate":
            run_gate(admin, node_id, settings, SystemClock(), report=report, node_ids=node_ids)
            msg = f"broker {node_id} may be stopped" + (
                "" if quorum else " (controller quorum not checked: no quorum_replication given)"
            )
        else:
            run_after_start(
                admin, node_id, settings, SystemClock(), report=report, elect=not module.check_mode
            )
            msg = (
                f"broker {node_id} is back, in sync, and leads {len(report.partitions_led_after)} "
                f"partition(s) ({len(report.elected)} elected)"
            )
    except RestartError as exc:
        module.fail_json(msg=str(exc), report={**report.to_dict(), "quorum": quorum_known})
    changed = p["phase"] == "after_start" and bool(report.elected) and not module.check_mode
    module.exit_json(changed=changed, msg=msg, report={**report.to_dict(), "quorum": quorum_known})


if __name__ == "__main__":
    main()
