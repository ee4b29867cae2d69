"""The batch planner: no batch ever takes a partition below min.insync.replicas, controller
voters go one at a time, the active controller last and alone, every broker exactly once,
no batch above the ceiling; racks batch together when that is safe."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kafka_vmtune.errors import InputError
from kafka_vmtune.restart.admin import ClusterSnapshot, PartitionState, QuorumState, Voter
from kafka_vmtune.restart.batches import (
    batch_limit,
    below_min_isr_without,
    describe,
    plan,
    unsafe_reason,
)


@st.composite
def clusters(draw: st.DrawFn) -> tuple[ClusterSnapshot, dict[int, str]]:
    n = draw(st.integers(3, 12))
    ids = list(range(1, n + 1))
    racks = {i: f"r{draw(st.integers(0, 2))}" for i in ids}
    partitions = []
    min_isr: dict[str, int] = {}
    for t in range(draw(st.integers(1, 4))):
        rf = draw(st.integers(1, min(3, n)))
        min_isr[f"t{t}"] = draw(st.integers(1, rf))
        for p in range(draw(st.integers(1, 10))):
            replicas = tuple(draw(st.permutations(ids))[:rf])
            # Some replicas may already be out of sync (a cluster not fully healthy).
            isr = tuple(r for r in replicas if draw(st.booleans()) or r == replicas[0])
            partitions.append(PartitionState(f"t{t}", p, replicas, isr, replicas[0]))
    voters = draw(st.sampled_from([(), (1, 2, 3), (1, 2, 3, 4, 5)[: min(5, n)]]))
    quorum = (
        QuorumState(draw(st.sampled_from(voters)), tuple(Voter(v, True) for v in voters))
        if voters
        else None
    )
    snap = ClusterSnapshot(
        brokers=frozenset(ids),
        partitions=tuple(partitions),
        min_isr=min_isr,
        controller_id=1,
        quorum=quorum,
    )
    return snap, racks


@settings(max_examples=300, deadline=None)
@given(cluster=clusters(), limit=st.none() | st.integers(1, 6), use_racks=st.booleans())
def test_no_batch_takes_a_partition_below_min_isr_that_one_broker_alone_would_not(
    cluster: tuple[ClusterSnapshot, dict[int, str]], limit: int | None, use_racks: bool
) -> None:
    snap, racks = cluster
    ids = sorted(snap.brokers)
    batches = plan(snap, ids, limit, racks=racks if use_racks else None)
    flat = [n for b in batches for n in b.nodes]
    assert sorted(flat) == ids  # every broker exactly once
    voters = {v.node_id for v in snap.quorum.voters} if snap.quorum else set()
    for b in batches:
        if len(b.nodes) > 1:
            # Together they leave every partition at its min ISR: never worse than the
            # brokers alone (a single broker whose own stop breaks min ISR is the gate's
            # to refuse, as in a serial roll).
            assert below_min_isr_without(snap, b.nodes) == []
            assert len(voters & set(b.nodes)) <= 1  # voters go one at a time
            assert limit is None or len(b.nodes) <= limit
    active = snap.active_controller
    if active in ids:
        assert batches[-1].nodes == (active,)


def test_racks_batch_together_when_safe() -> None:
    # Six brokers in three racks, rack-aware RF 3 (one replica per rack), min ISR 2,
    # voters 1, 2, 3 (one per rack), controller 1. Brokers 4, 5, 6 are plain brokers.
    racks = {1: "a", 2: "b", 3: "c", 4: "a", 5: "b", 6: "c"}
    by_rack = {"a": [1, 4], "b": [2, 5], "c": [3, 6]}
    partitions = []
    for p in range(12):
        replicas = tuple(
            by_rack[r][(p // 3) % 2] for r in ("a", "b", "c")[p % 3 :] + ("a", "b", "c")[: p % 3]
        )
        partitions.append(PartitionState("orders", p, replicas, replicas, replicas[0]))
    snap = ClusterSnapshot(
        brokers=frozenset(racks),
        partitions=tuple(partitions),
        min_isr={"orders": 2},
        quorum=QuorumState(1, (Voter(1, True), Voter(2, True), Voter(3, True))),
    )
    batches = plan(snap, [1, 2, 3, 4, 5, 6], None, racks=racks)
    # One voter per batch, with its rack partner; 4 shares rack a with the active
    # controller, which goes last and alone.
    assert [b.nodes for b in batches] == [(2, 5), (3, 6), (4,), (1,)]
    lines = describe(batches)
    assert lines[-1] == "batch 4: broker 1 (active controller: last and alone)"
    assert lines[0].startswith("batch 1: brokers 2, 5 (rack b, together every partition keeps")
    assert "controller voter 2 the only voter" in lines[0]
    # Two brokers of one rack (4 and 1 share rack a) can go together: one replica each.
    assert unsafe_reason(snap, [4, 1]) == []
    assert unsafe_reason(snap, [4, 5])[0].startswith("6 partition(s) would drop below")


def test_plain_brokers_of_one_rack_go_together() -> None:
    racks = {4: "a", 5: "a", 6: "b", 7: "b"}
    # RF 2 across racks: 4/5 hold one copy each, 6/7 the other.
    partitions = tuple(
        PartitionState("t", p, (a, b), (a, b), a)
        for p, (a, b) in enumerate([(4, 6), (5, 7), (4, 7), (5, 6)])
    )
    snap = ClusterSnapshot(brokers=frozenset(racks), partitions=partitions, min_isr={"t": 1})
    batches = plan(snap, [4, 5, 6, 7], None, racks=racks, controller_last=False)
    assert [b.nodes for b in batches] == [(4, 5), (6, 7)]
    assert batches[0].why.startswith("rack a, together every partition keeps")
    assert [b.nodes for b in plan(snap, [4, 5, 6, 7], 1, racks=racks)] == [(4,), (5,), (6,), (7,)]


@pytest.mark.parametrize(("value", "limit"), [(None, 1), (1, 1), ("3", 3), ("auto", None)])
def test_the_batch_setting_reads_a_ceiling_or_auto(value: object, limit: int | None) -> None:
    assert batch_limit(value) == limit


@pytest.mark.parametrize("value", ["0", "many", True, -2])
def test_a_wrong_batch_setting_is_refused_by_name(value: object) -> None:
    with pytest.raises(InputError, match="kafka_vmtune_restart_batch: must be a whole number"):
        batch_limit(value)
