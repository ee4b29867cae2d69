"""The narrow Kafka-admin interface the rolling restart needs, and its cluster snapshot.

Everything the gates decide on is one immutable ClusterSnapshot, so a decision never
mixes two moments of the cluster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..errors import VmtuneError


class AdminError(VmtuneError):
    """The cluster could not be asked (unreachable, timed out, refused)."""


@dataclass(frozen=True, order=True)
class TopicPartition:
    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}-{self.partition}"


@dataclass(frozen=True)
class PartitionState:
    topic: str
    partition: int
    replicas: tuple[int, ...]  # preferred order: replicas[0] is the preferred leader
    isr: tuple[int, ...]
    leader: int | None  # None: offline (no leader)

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)

    @property
    def preferred_leader(self) -> int | None:
        return self.replicas[0] if self.replicas else None

    def __str__(self) -> str:
        return f"{self.topic}-{self.partition}"


@dataclass(frozen=True)
class Voter:
    node_id: int
    caught_up: bool


@dataclass(frozen=True)
class QuorumState:
    """KRaft metadata quorum: the voters and the active controller (quorum leader)."""

    leader_id: int | None
    voters: tuple[Voter, ...]


@dataclass(frozen=True)
class ClusterSnapshot:
    # Registered AND unfenced: fenced brokers are absent from cluster metadata.
    brokers: frozenset[int]
    partitions: tuple[PartitionState, ...]
    # Effective min.insync.replicas per topic (topic config, else the broker default).
    min_isr: Mapping[str, int] = field(default_factory=dict)
    default_min_isr: int = 1
    # What the metadata reports as controller; in KRaft before KAFKA-17404 this is a
    # random broker, so active_controller prefers the quorum leader when it is known.
    controller_id: int | None = None
    quorum: QuorumState | None = None  # None: unknown (the client cannot describe the quorum)

    def min_isr_for(self, topic: str) -> int:
        return self.min_isr.get(topic, self.default_min_isr)

    @property
    def active_controller(self) -> int | None:
        if self.quorum is not None and self.quorum.leader_id is not None:
            return self.quorum.leader_id
        return self.controller_id

    def hosted_by(self, node_id: int) -> list[PartitionState]:
        return [p for p in self.partitions if node_id in p.replicas]

    def led_by(self, node_id: int) -> list[TopicPartition]:
        return sorted(p.tp for p in self.partitions if p.leader == node_id)


@dataclass(frozen=True)
class ElectionResult:
    tp: TopicPartition
    error: str | None  # None: elected (or already the leader)


class KafkaAdmin(Protocol):
    """What the roll asks of Kafka: one consistent look, and preferred elections."""

    def snapshot(self) -> ClusterSnapshot:
        """The cluster now. Raises AdminError when Kafka cannot be asked."""
        ...

    def elect_preferred(self, partitions: Sequence[TopicPartition]) -> list[ElectionResult]:
        """Preferred-leader election for these partitions, one result each."""
        ...


@runtime_checkable
class QuorumSource(Protocol):
    """An admin that can read the KRaft quorum itself (ConfluentAdmin, through kafka-python)."""

    def read_quorum(self, max_lag: int, max_stale_ms: int) -> QuorumState:
        """The quorum now, judged by quorum_state(max_lag, max_stale_ms). Raises AdminError;
        kafka_quorum.QuorumUnavailableError when this cluster's quorum cannot be read this
        way at all."""
        ...

    def close(self) -> None: ...


# Kafka's answer when the preferred replica already leads: success for our purpose.
ELECTION_NOT_NEEDED = "ELECTION_NOT_NEEDED"


def election_failed(result: ElectionResult) -> bool:
    return result.error is not None and ELECTION_NOT_NEEDED not in result.error


def parse_quorum_replication(text: str, max_lag: int = 0, max_stale_ms: int = 30000) -> QuorumState:
    """Parse `kafka-metadata-quorum.sh describe --replication` (without --human-readable).

    Columns are found by header name (DirectoryId appeared in 3.9). A voter is caught up
    when its Lag is at most max_lag and, because a down voter keeps a zero lag while
    nothing is written, it caught up at most max_stale_ms before the leader's own
    LastCaughtUpTimestamp (the same clock, so no wall-clock skew). Observers (plain
    brokers) are not voters.
    """
    lines = [ln.split() for ln in text.splitlines() if ln.strip()]
    header_at = next((i for i, ln in enumerate(lines) if ln and ln[0] == "NodeId"), None)
    if header_at is None:
        raise AdminError("quorum replication output has no 'NodeId' header line")
    header = lines[header_at]
    try:
        i_id, i_lag, i_status = header.index("NodeId"), header.index("Lag"), header.index("Status")
    except ValueError as exc:
        raise AdminError(f"quorum replication output lacks a column: {exc}") from None
    i_seen = header.index("LastCaughtUpTimestamp") if "LastCaughtUpTimestamp" in header else None
    rows: list[tuple[int, int, str, int | None]] = []
    for row in lines[header_at + 1 :]:
        if len(row) != len(header):
            raise AdminError(f"quorum replication line does not match its header: {' '.join(row)}")
        try:
            seen = int(row[i_seen]) if i_seen is not None else None
            rows.append((int(row[i_id]), int(row[i_lag]), row[i_status], seen))
        except ValueError:
            raise AdminError(f"quorum replication line is not numeric: {' '.join(row)}") from None
    return quorum_state(rows, max_lag, max_stale_ms)


def quorum_state(
    rows: Sequence[tuple[int, int, str, int | None]], max_lag: int, max_stale_ms: int
) -> QuorumState:
    """The rule for both ways of reading the quorum (the tool's output, the Admin API):
    rows of (node id, lag, Leader | Follower | Observer, LastCaughtUpTimestamp in ms)."""
    leader = next((r for r in rows if r[2] == "Leader"), None)
    reference = leader[3] if leader is not None else None
    voters = []
    for node, lag, status, seen in rows:
        if status == "Observer":
            continue
        fresh = reference is None or seen is None or status == "Leader"
        if not fresh and seen is not None and reference is not None:
            fresh = seen >= 0 and reference - seen <= max_stale_ms
        voters.append(Voter(node, caught_up=lag <= max_lag and fresh))
    return QuorumState(leader_id=leader[0] if leader else None, voters=tuple(voters))


def describe_partitions(items: Sequence[TopicPartition], limit: int = 10) -> str:
    """'a-0, a-1 and 3 more': a list an operator can read in one line."""
    names = [str(tp) for tp in sorted(items)]
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def describe_causes(errors: Mapping[TopicPartition, str], limit: int = 5) -> str:
    """Each cause once, with the partitions it hit: 'X (12 partitions: a-0, ... and 7 more)'.

    One unreachable cluster fails every partition of an election the same way; saying it
    once per partition buries the cause."""
    by_cause: dict[str, list[TopicPartition]] = {}
    for tp, cause in errors.items():
        by_cause.setdefault(cause or "unknown error", []).append(tp)
    parts = []
    for cause, tps in sorted(by_cause.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        count = f"{len(tps)} partition{'s' if len(tps) != 1 else ''}"
        parts.append(f"{cause} ({count}: {describe_partitions(tps, limit)})")
    return "; ".join(parts)
