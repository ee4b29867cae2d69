"""Where the replicas of a what-if go: round-robin, as Kafka's default placement does."""

from __future__ import annotations

from dataclasses import dataclass

from ..sizing.projection import segments_per_replica
from .parse import WhatIfInput


@dataclass
class Load:
    """What one broker carries: replicas, their segments, how often they roll."""

    replicas: int = 0
    segments: float = 0.0
    rolls_per_s: float = 0.0
    tiered: bool = False


def assign_replicas(whatif: WhatIfInput) -> list[Load]:
    """Replicas laid out round-robin, partition after partition, topic start rotated.

    Replica r of partition p sits on broker (start + p x RF + r) mod n: the replicas of a
    partition are on distinct brokers (RF <= n) and every broker gets within one replica of
    every other, per topic.
    """
    n = len(whatif.brokers)
    loads = [Load() for _broker in range(n)]
    for t_index, topic in enumerate(whatif.topics):
        est = segments_per_replica(topic)
        start = t_index % n
        full, rest = divmod(topic.partitions * topic.replication_factor, n)
        per_broker = [full + (1 if (b - start) % n < rest else 0) for b in range(n)]
        for b, count in enumerate(per_broker):
            loads[b].replicas += count
            loads[b].segments += count * est.segments
            loads[b].rolls_per_s += count * est.rolls_per_s
            loads[b].tiered = loads[b].tiered or (topic.remote_storage and count > 0)
    return loads
