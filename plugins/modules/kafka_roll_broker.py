#!/usr/bin/python
# The documentation of the kafka_roll_broker action (plugins/action/kafka_roll_broker.py),
# which does the work on the control node; there is no module code to run on a host.
"""Documentation of the kafka_roll_broker action plugin."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_roll_broker
short_description: One turn of the rolling restart (or the recovery of a broker that is down)
description:
  - Runs kafka_vmtune.restart.machine.roll_step on the control node, with the broker's
    systemd reached through the task's connection (delegate_to the broker's host).
  - For the first broker of O(remaining) - gate, stop, process exit, start, registered and
    unfenced, caught up, preferred leaders elected and verified; a broker listed in O(down)
    is only started and checked the same way (recovery). When that broker has become the
    active controller while others remain, it moves to the end untouched.
  - Fails at the first phase that fails, with the unit's state and its journal when the
    unit failed during start.
options:
  node_id: {description: The broker of this turn., type: int, required: true}
  remaining:
    description: The brokers still to roll, in order (this one first).
    type: list
    elements: int
    required: true
  down:
    description: Brokers that are down (started, not stopped).
    type: list
    elements: int
    default: []
  node_ids:
    description: Every broker of the roll (the gate's expected set).
    type: list
    elements: int
    default: []
  unit: {description: The broker's systemd unit., type: str, required: true}
  host:
    description: The broker's inventory name (in messages).
    type: str
    default: "?"
  bootstrap_servers: {description: "host:port,... of the cluster, as the control node reaches it.", type: str, required: true}
  client_config: {description: librdkafka settings (security)., type: dict, default: {}}
  gate_timeout: {description: Seconds the gate may wait., type: float, default: 300.0}
  stop_timeout: {description: Seconds for the process to exit after stop., type: float, default: 120.0}
  start_timeout: {description: Seconds until registered and unfenced., type: float, default: 600.0}
  catchup_timeout: {description: Seconds until back in every ISR., type: float, default: 1800.0}
  election_timeout: {description: Seconds for the preferred election., type: float, default: 120.0}
  poll_interval: {description: Longest pause between polls (they start at 0.1 s)., type: float, default: 1.0}
  request_timeout: {description: Seconds per admin request., type: float, default: 30.0}
  controller_last: {description: Restart the active controller last., type: bool, default: true}
  require_quorum: {description: Block the gate when the quorum cannot be observed., type: bool, default: false}
  quorum_replication: {description: Output of kafka-metadata-quorum.sh describe --replication., type: str}
  quorum_max_lag: {description: Max lag of a caught-up voter., type: int, default: 100}
  quorum_max_stale: {description: Seconds a voter's last catch-up may lag the leader's., type: float, default: 30.0}
  controlled_shutdown_budget: {description: Warn when TimeoutStopSec is shorter (s)., type: float, default: 300.0}
requirements:
  - confluent-kafka (on the control node)
author: kafka-vmtune maintainers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Restart broker 2 behind the gates
  kafka_vmtune.kafka.kafka_roll_broker:
    node_id: 2
    remaining: [2, 3, 1]
    node_ids: [1, 2, 3]
    unit: kafka.service
    bootstrap_servers: broker1:9092,broker2:9092,broker3:9092
  delegate_to: broker2
"""

RETURN = r"""
remaining:
  description: What is left to roll (in order).
  returned: always
  type: list
  elements: int
deferred:
  description: The broker moved to the end untouched (it became the active controller).
  returned: always
  type: bool
test_admin:
  description: The stand-in admin a test run named (KAFKA_VMTUNE_TEST_ADMIN); null against Kafka.
  returned: always
  type: str
report:
  description: The broker's phase report - timings, waits and partitions led.
  returned: always
  type: dict
"""
