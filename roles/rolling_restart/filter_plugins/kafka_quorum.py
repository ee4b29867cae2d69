"""Filter: why stopping a node now would cost the KRaft quorum its majority.

The role re-reads `kafka-metadata-quorum.sh describe --replication` on the broker until
this list is empty (bounded by the gate timeout), so the gate never judges the quorum
from a reading taken before a lagging voter caught up. Same parser and rule as the gate.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

try:
    from kafka_vmtune.restart.admin import AdminError, parse_quorum_replication
    from kafka_vmtune.restart.gates import quorum_blockers
except ImportError:  # ansible-playbook run from a Python without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "python"))
    from kafka_vmtune.restart.admin import AdminError, parse_quorum_replication
    from kafka_vmtune.restart.gates import quorum_blockers


def kafka_quorum_blockers(
    text: str, node_id: int, max_lag: int = 100, max_stale_s: float = 30.0
) -> list[str]:
    try:
        quorum = parse_quorum_replication(str(text), int(max_lag), int(float(max_stale_s) * 1000))
    except AdminError as exc:
        return [f"cannot read the quorum output: {exc}"]
    return quorum_blockers(quorum, int(node_id))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"kafka_quorum_blockers": kafka_quorum_blockers}
