"""Filter: why stopping a node now would cost the KRaft quorum its majority.

The role re-reads `kafka-metadata-quorum.sh describe --replication` on the broker until
this list is empty (bounded by the gate timeout), so the gate never judges the quorum
from a reading taken before a lagging voter caught up. Same parser and rule as the gate.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.admin import (
    AdminError,
    parse_quorum_replication,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.gates import (
    quorum_blockers,
)


def kafka_quorum_blockers(
    text: str, node_id: int, max_lag: int = 100, max_stale_s: float = 30.0
) -> list[str]:
    try:
        quorum = parse_quorum_replication(str(text), int(max_lag), int(float(max_stale_s) * 1000))
    except AdminError as exc:
        return [f"cannot read the quorum output: {exc}"]
    return quorum_blockers(quorum, int(node_id))


DOCUMENTATION = r"""
name: kafka_quorum_blockers
short_description: Why stopping a node now would cost the KRaft quorum its majority
description:
  - Reads C(kafka-metadata-quorum.sh describe --replication) output and lists the reasons a
    majority of voters would not stay caught up without the node (empty when it can stop).
positional: node_id
options:
  _input:
    description: The command's output.
    type: str
    required: true
  node_id:
    description: The node about to stop.
    type: int
    required: true
"""

RETURN = r"""
_value:
  description: Reasons (empty when the node can stop).
  type: list
  elements: str
"""


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"kafka_quorum_blockers": kafka_quorum_blockers}
