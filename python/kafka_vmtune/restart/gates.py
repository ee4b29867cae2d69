"""Pure checks over one ClusterSnapshot. Each returns the reasons that block (empty: pass),
worded for the operator and naming the partitions or brokers at fault."""

from __future__ import annotations

from collections.abc import Collection

from .admin import ClusterSnapshot, QuorumState, TopicPartition, describe_partitions

QUORUM_UNKNOWN = (
    "controller quorum unknown: confluent-kafka cannot describe the KRaft quorum; "
    "pass the output of 'kafka-metadata-quorum.sh describe --replication' or set "
    "require_quorum false to accept the risk"
)


def _brokers(ids: Collection[int]) -> str:
    return ", ".join(str(i) for i in sorted(ids))


def missing_brokers(snapshot: ClusterSnapshot, expected: Collection[int]) -> list[str]:
    missing = set(expected) - snapshot.brokers
    if not missing:
        return []
    word = "broker" if len(missing) == 1 else "brokers"
    return [f"{word} {_brokers(missing)} not registered or fenced"]


def under_replicated(snapshot: ClusterSnapshot) -> list[str]:
    urp = [p.tp for p in snapshot.partitions if len(p.isr) < len(p.replicas)]
    offline = [p.tp for p in snapshot.partitions if p.leader is None]
    reasons = []
    if offline:
        reasons.append(f"{len(offline)} offline partition(s): {describe_partitions(offline)}")
    if urp:
        reasons.append(f"{len(urp)} under-replicated partition(s): {describe_partitions(urp)}")
    return reasons


def would_drop_below_min_isr(snapshot: ClusterSnapshot, node_id: int) -> list[str]:
    """Partitions that would become unwritable for acks=all if node_id stopped now."""
    at_risk: list[TopicPartition] = []
    for p in snapshot.hosted_by(node_id):
        remaining = len([r for r in p.isr if r != node_id])
        if remaining < snapshot.min_isr_for(p.topic):
            at_risk.append(p.tp)
    if not at_risk:
        return []
    return [
        f"{len(at_risk)} partition(s) would drop below min.insync.replicas without "
        f"broker {node_id}: {describe_partitions(at_risk)}"
    ]


def quorum_without(
    snapshot: ClusterSnapshot, node_id: int, *, require_quorum: bool = False
) -> list[str]:
    """A majority of all voters must be caught up without node_id (KRaft)."""
    if snapshot.quorum is None:
        return [QUORUM_UNKNOWN] if require_quorum else []
    return quorum_blockers(snapshot.quorum, node_id)


def quorum_blockers(quorum: QuorumState, node_id: int) -> list[str]:
    """Why stopping node_id now would cost the KRaft quorum its majority; empty when safe."""
    if not quorum.voters:
        return []
    others_caught_up = [v.node_id for v in quorum.voters if v.caught_up and v.node_id != node_id]
    majority = len(quorum.voters) // 2 + 1
    if len(others_caught_up) >= majority:
        return []
    lagging = [v.node_id for v in quorum.voters if not v.caught_up and v.node_id != node_id]
    detail = f"; lagging or down: {_brokers(lagging)}" if lagging else ""
    return [
        f"controller quorum would lose its majority without node {node_id}: "
        f"{len(others_caught_up)} of {len(quorum.voters)} voters caught up,"
        f" a majority is {majority}{detail}"
    ]


def gate_before_stop(
    snapshot: ClusterSnapshot,
    node_id: int,
    expected_brokers: Collection[int],
    *,
    require_quorum: bool = False,
) -> list[str]:
    """Everything that forbids stopping node_id now; empty when it is safe."""
    return partition_blockers(snapshot, node_id, expected_brokers) + quorum_without(
        snapshot, node_id, require_quorum=require_quorum
    )


def partition_blockers(
    snapshot: ClusterSnapshot, node_id: int, expected_brokers: Collection[int]
) -> list[str]:
    """The gate without the KRaft quorum: what the metadata alone forbids."""
    return (
        missing_brokers(snapshot, expected_brokers)
        + under_replicated(snapshot)
        + would_drop_below_min_isr(snapshot, node_id)
    )


def cluster_healthy(snapshot: ClusterSnapshot, expected_brokers: Collection[int]) -> list[str]:
    """After the roll: every broker back and nothing under-replicated."""
    return missing_brokers(snapshot, expected_brokers) + under_replicated(snapshot)


def registered(snapshot: ClusterSnapshot, node_id: int) -> list[str]:
    if node_id in snapshot.brokers:
        return []
    return [f"broker {node_id} not registered or still fenced"]


def caught_up(snapshot: ClusterSnapshot, node_id: int) -> list[str]:
    """The broker is registered and back in the ISR of every partition it hosts."""
    if node_id not in snapshot.brokers:
        return registered(snapshot, node_id)
    behind = [p.tp for p in snapshot.hosted_by(node_id) if node_id not in p.isr]
    if not behind:
        return []
    return [
        f"broker {node_id} not yet in the ISR of {len(behind)} partition(s): "
        f"{describe_partitions(behind)}"
    ]


def partitions_to_elect(snapshot: ClusterSnapshot, node_id: int) -> list[TopicPartition]:
    """Partitions whose preferred leader is node_id but that another broker leads."""
    return sorted(
        p.tp for p in snapshot.partitions if p.preferred_leader == node_id and p.leader != node_id
    )


def preferred_by(snapshot: ClusterSnapshot, node_id: int) -> list[TopicPartition]:
    return sorted(p.tp for p in snapshot.partitions if p.preferred_leader == node_id)


def leadership_restored(snapshot: ClusterSnapshot, node_id: int) -> list[str]:
    """node_id leads every partition it is the preferred leader of."""
    missing = partitions_to_elect(snapshot, node_id)
    if not missing:
        return []
    return [
        f"broker {node_id} does not lead {len(missing)} partition(s) it is preferred for: "
        f"{describe_partitions(missing)}"
    ]


def outage_cost(snapshot: ClusterSnapshot, out: Collection[int]) -> list[str]:
    """What having the brokers `out` down costs now, worded for the operator: the KRaft
    quorum without a majority (a voter that is also a broker counts as down while it is
    out), and the partitions whose in-sync replicas on brokers still up fall below
    min.insync.replicas (acks=all writes to them fail) or to none (offline)."""
    up = snapshot.brokers - set(out)
    costs = []
    quorum = snapshot.quorum
    if quorum is not None and quorum.voters:
        voters_out = sorted(v.node_id for v in quorum.voters if not v.caught_up or v.node_id in out)
        majority = len(quorum.voters) // 2 + 1
        alive = len(quorum.voters) - len(voters_out)
        if alive < majority:
            costs.append(
                f"controller quorum without a majority: voter(s) {_brokers(voters_out)} out, "
                f"{alive} of {len(quorum.voters)} up, a majority is {majority}, so no broker can "
                "register and no leader can change until one is back"
            )
    offline, below = [], []
    for p in snapshot.partitions:
        in_sync_up = len([r for r in p.isr if r in up])
        if in_sync_up == 0:
            offline.append(p.tp)
        elif in_sync_up < snapshot.min_isr_for(p.topic):
            below.append(p.tp)
    if below:
        costs.append(
            f"{len(below)} partition(s) below min.insync.replicas (acks=all writes fail): "
            f"{describe_partitions(below)}"
        )
    if offline:
        costs.append(
            f"{len(offline)} partition(s) with no in-sync replica up (offline): "
            f"{describe_partitions(offline)}"
        )
    return costs
