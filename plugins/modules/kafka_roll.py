#!/usr/bin/python
# The documentation of the kafka_roll action (plugins/action/kafka_roll.py), which does the
# work on the control node; there is no module code to run on a host.
"""Documentation of the kafka_roll action plugin."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_roll
short_description: The whole rolling restart of the play's brokers, as one task per broker
description:
  - Runs on every host of the play at once (forks must be at least the number of hosts).
    The first host's task coordinates; it runs kafka_vmtune.restart.run.run_roll on the
    control node - the decision per broker (policy, flags, resume), the order (active
    controller last), one turn per broker (gate, stop, process exit, start, registered,
    caught up, preferred election, leaders verified), the final health check, the resume
    state file and the roll report (JSON and Markdown).
  - Every host's task serves its host meanwhile - systemctl and journalctl run over that
    host's own connection, with its become settings, when the coordinator asks.
  - In check mode it decides and says what it would restart; nothing is touched and Kafka
    is not asked.
  - The coordinator's result has C(lines) (what to show), C(roll_failed) and C(msg).
options:
  report: {description: This host's report (ansible_facts.kafka_vmtune)., type: raw}
  restart_due: {description: kafka_vmtune_restart_due of this host., type: raw, default: false}
  listed: {description: This host is in kafka_vmtune_restart_hosts., type: bool, default: false}
  node_id: {description: kafka_vmtune_node_id of this host (else the report's)., type: raw}
  unit: {description: "This broker's systemd unit (else the report's, else service_name).", type: str}
  rack: {description: This broker's broker.rack (kafka_vmtune_rack); batches prefer one rack., type: str}
  service_name: {description: The unit when nothing else names it., type: str, default: kafka}
  policy: {description: "never, auto or always.", type: str, default: auto, choices: [never, auto, always]}
  bootstrap_servers: {description: "host:port,... of the cluster, as the control node reaches it.", type: str, default: ""}
  client_config: {description: librdkafka settings (security)., type: dict, default: {}}
  report_dir: {description: Reports directory; the roll writes to its rolling-restart/ folder., type: path, required: true}
  required_process: {description: Process settings a restarted broker must show to count as done., type: dict, default: {}}
  roll_started_at: {description: Epoch seconds the roll began (resume point)., type: float}
  quorum_command: {description: "Prints kafka-metadata-quorum.sh describe --replication on a broker (instead of DescribeQuorum).", type: str, default: ""}
  quorum_max_lag: {description: Max lag of a caught-up voter., type: int, default: 100}
  quorum_max_stale: {description: Seconds a voter's last catch-up may lag the leader's., type: float, default: 30.0}
  controller_last: {description: Restart the active controller last., type: bool, default: true}
  require_quorum: {description: Block the gate when the quorum cannot be read., type: bool, default: false}
  controlled_shutdown_budget: {description: Warn when TimeoutStopSec is shorter (s)., type: float, default: 300.0}
  join_timeout: {description: Seconds for every host's task to join the coordinator., type: float, default: 120.0}
  batch:
    description: 1 (one broker at a time), auto (the largest safe batches) or a ceiling.
    type: raw
    default: 1
  gate_timeout: {description: Seconds the gate may wait., type: float, default: 300.0}
  stop_timeout: {description: Seconds for the process to exit after stop., type: float, default: 120.0}
  start_timeout: {description: Seconds until registered and unfenced., type: float, default: 600.0}
  catchup_timeout: {description: Seconds until back in every ISR., type: float, default: 1800.0}
  election_timeout: {description: Seconds for the preferred election., type: float, default: 120.0}
  poll_interval: {description: Longest pause between polls (they start at 0.1 s)., type: float, default: 1.0}
  request_timeout: {description: Seconds per admin request., type: float, default: 30.0}
requirements:
  - confluent-kafka (on the control node)
  - kafka-python (on the control node; DescribeQuorum, which confluent-kafka lacks)
author: kafka-vmtune maintainers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Roll the brokers
  kafka_vmtune.kafka.kafka_roll:
    report: "{{ ansible_facts.kafka_vmtune | default(none) }}"
    policy: always
    bootstrap_servers: broker1:9092,broker2:9092,broker3:9092
    report_dir: /var/lib/kafka-vmtune
  register: roll
"""

RETURN = r"""
lines:
  description: What the roll says, in order (the coordinator's result only).
  returned: on the first host
  type: list
  elements: str
roll_failed:
  description: The roll stopped (or refused to start); msg says where and why.
  returned: on the first host
  type: bool
report:
  description: The JSON roll report (null when nothing was written).
  returned: on the first host
  type: str
restarted:
  description: Hosts restarted by this roll.
  returned: on the first host
  type: list
  elements: str
test_admin:
  description: The stand-in admin a test run named (KAFKA_VMTUNE_TEST_ADMIN); null against Kafka.
  returned: on the first host
  type: str
"""
