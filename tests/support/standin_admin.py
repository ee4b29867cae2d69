"""A stand-in KafkaAdmin for runs of the real role without Kafka (tests, bench/bench_roll.py).

Chosen only by the control node's environment, as test runs and the bench set it:
KAFKA_VMTUNE_TEST_ADMIN=standin_admin:StandInAdmin with tests/support on ansible-playbook's
PYTHONPATH (kafka_vmtune.restart.connect). No inventory variable or module option selects
it, and it is not part of the package.
It answers like a healthy cluster: every broker registered, every partition in sync and
on its preferred leader, so a roll through it costs exactly what Ansible, systemd and the
roll's own code cost. Environment:
  KVT_STANDIN_BROKERS      broker ids, "1,2,3" by default
  KVT_STANDIN_DOWN_AFTER   "NODE:SECONDS[,NODE:#N...]": NODE is absent (fenced) from
                           snapshots taken SECONDS after this admin was built, or from its
                           N-th snapshot on (the roll's first look is #1, the first gate
                           #2), e.g. a unit that cannot start, or another broker going down
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

from kafka_vmtune.restart.admin import (
    ELECTION_NOT_NEEDED,
    ClusterSnapshot,
    ElectionResult,
    PartitionState,
    TopicPartition,
)


class StandInAdmin:
    def __init__(
        self,
        bootstrap_servers: str,
        client_config: Mapping[str, Any] | None = None,
        *,
        request_timeout: float = 30.0,
    ) -> None:
        ids = os.environ.get("KVT_STANDIN_BROKERS", "1,2,3")
        self.brokers = [int(i) for i in ids.split(",") if i.strip()]
        self.built = time.monotonic()
        self.snapshots = 0
        self.down = [
            (int(node), after)
            for node, _, after in (
                item.partition(":")
                for item in os.environ.get("KVT_STANDIN_DOWN_AFTER", "").split(",")
                if item.strip()
            )
        ]

    def snapshot(self) -> ClusterSnapshot:
        n = len(self.brokers)
        partitions = tuple(
            PartitionState("orders", p, reps, reps, reps[0])
            for p in range(2 * n)
            for reps in [tuple(self.brokers[(p + i) % n] for i in range(min(3, n)))]
        )
        self.snapshots += 1
        age = time.monotonic() - self.built
        registered = set(self.brokers) - {
            node
            for node, after in self.down
            if (self.snapshots >= int(after[1:]) if after.startswith("#") else age >= float(after))
        }
        return ClusterSnapshot(
            brokers=frozenset(registered),
            partitions=partitions,
            default_min_isr=1,
            controller_id=self.brokers[0] if self.brokers else None,
        )

    def elect_preferred(self, partitions: Sequence[TopicPartition]) -> list[ElectionResult]:
        return [ElectionResult(tp, ELECTION_NOT_NEEDED) for tp in partitions]
