"""The safety decisions, on hand-built cluster snapshots: each names what blocks."""

from __future__ import annotations

import pytest

from kafka_vmtune.restart.admin import (
    AdminError,
    ClusterSnapshot,
    PartitionState,
    QuorumState,
    TopicPartition,
    Voter,
    describe_partitions,
    parse_quorum_replication,
)
from kafka_vmtune.restart.decide import already_restarted
from kafka_vmtune.restart.gates import (
    QUORUM_UNKNOWN,
    caught_up,
    gate_before_stop,
    leadership_restored,
    partitions_to_elect,
    quorum_without,
)
from kafka_vmtune.restart.machine import order_brokers


def part(
    topic: str, p: int, replicas: list[int], isr: list[int] | None = None, leader: int | None = -1
) -> PartitionState:
    isr = replicas if isr is None else isr
    return PartitionState(
        topic, p, tuple(replicas), tuple(isr), replicas[0] if leader == -1 else leader
    )


def snap(*parts: PartitionState, brokers: set[int] = {1, 2, 3}, **kw: object) -> ClusterSnapshot:  # noqa: B006
    return ClusterSnapshot(brokers=frozenset(brokers), partitions=parts, **kw)  # type: ignore[arg-type]


HEALTHY = snap(
    part("orders", 0, [1, 2, 3]),
    part("orders", 1, [2, 3, 1]),
    part("audit", 0, [3, 1]),
    min_isr={"orders": 2, "audit": 1},
)


def test_a_healthy_cluster_lets_any_broker_stop() -> None:
    for node in (1, 2, 3):
        assert gate_before_stop(HEALTHY, node, {1, 2, 3}) == []


def test_a_missing_broker_blocks_and_is_named() -> None:
    s = snap(part("orders", 0, [1, 2, 3]), brokers={1, 3}, min_isr={"orders": 2})
    assert "broker 2 not registered or fenced" in gate_before_stop(s, 1, {1, 2, 3})


def test_under_replicated_partitions_block_and_are_named() -> None:
    s = snap(part("orders", 0, [1, 2, 3], isr=[1, 2]), part("orders", 1, [2, 3, 1]))
    reasons = gate_before_stop(s, 1, {1, 2, 3})
    assert "1 under-replicated partition(s): orders-0" in reasons


def test_offline_partitions_are_reported_as_offline() -> None:
    s = snap(part("orders", 0, [1, 2, 3], isr=[1], leader=None))
    assert "1 offline partition(s): orders-0" in gate_before_stop(s, 2, {1, 2, 3})


def test_a_stop_that_would_take_a_partition_below_min_isr_is_refused() -> None:
    # RF 3 and min ISR 3: any replica stopping leaves acks=all producers without a quorum.
    s = snap(part("payments", 0, [1, 2, 3]), part("orders", 0, [1, 2]), min_isr={"payments": 3})
    reasons = gate_before_stop(s, 2, {1, 2, 3})
    assert reasons == [
        "1 partition(s) would drop below min.insync.replicas without broker 2: payments-0"
    ]


def test_broker_default_min_isr_applies_when_the_topic_has_none() -> None:
    s = snap(part("orders", 0, [1, 2]), default_min_isr=2)
    assert gate_before_stop(s, 1, {1, 2, 3}) != []
    assert gate_before_stop(s, 3, {1, 2, 3}) == []  # broker 3 holds no replica of it


def test_a_single_replica_partition_blocks_its_broker() -> None:
    s = snap(part("scratch", 0, [2]))
    assert "without broker 2: scratch-0" in " ".join(gate_before_stop(s, 2, {1, 2, 3}))


def test_long_partition_lists_are_cut_with_a_count() -> None:
    tps = [TopicPartition("t", i) for i in range(13)]
    assert describe_partitions(tps).endswith("t-9 and 3 more")


def test_quorum_majority_is_counted_without_the_stopping_node() -> None:
    q = QuorumState(leader_id=1, voters=(Voter(1, True), Voter(2, True), Voter(3, False)))
    s = snap(quorum=q)
    assert quorum_without(s, 3) == []  # the lagging voter itself may go
    blocked = quorum_without(s, 1)
    assert blocked == [
        "controller quorum would lose its majority without node 1: 1 of 3 voters caught up, "
        "a majority is 2; lagging or down: 3"
    ]


def test_an_unknown_quorum_blocks_only_when_required() -> None:
    assert quorum_without(HEALTHY, 1) == []
    assert quorum_without(HEALTHY, 1, require_quorum=True) == [QUORUM_UNKNOWN]


def test_caught_up_needs_registration_then_every_hosted_isr() -> None:
    s = snap(part("orders", 0, [1, 2, 3], isr=[1, 2]), brokers={1, 2})
    assert caught_up(s, 3) == ["broker 3 not registered or still fenced"]
    s = snap(part("orders", 0, [1, 2, 3], isr=[1, 2]), part("orders", 1, [3, 1, 2], isr=[3, 1, 2]))
    assert caught_up(s, 3) == ["broker 3 not yet in the ISR of 1 partition(s): orders-0"]
    assert caught_up(s, 1) == []


def test_election_targets_only_partitions_preferring_this_broker_and_led_elsewhere() -> None:
    s = snap(
        part("orders", 0, [1, 2, 3], leader=2),
        part("orders", 1, [1, 3, 2], leader=1),
        part("orders", 2, [2, 1, 3], leader=1),
    )
    assert partitions_to_elect(s, 1) == [TopicPartition("orders", 0)]
    assert leadership_restored(s, 1) == [
        "broker 1 does not lead 1 partition(s) it is preferred for: orders-0"
    ]
    assert leadership_restored(s, 3) == []


def test_order_puts_the_active_controller_last_and_keeps_inventory_order() -> None:
    assert order_brokers([1, 2, 3, 4], 2) == [1, 3, 4, 2]
    assert order_brokers([1, 2, 3, 2], None) == [1, 2, 3]
    assert order_brokers([1, 2, 3], 9) == [1, 2, 3]
    assert order_brokers([1, 2, 3], 1, controller_last=False) == [1, 2, 3]


def test_active_controller_is_the_quorum_leader_when_known() -> None:
    q = QuorumState(leader_id=3, voters=(Voter(3, True),))
    assert snap(controller_id=1, quorum=q).active_controller == 3
    assert snap(controller_id=1).active_controller == 1


def test_resume_skips_only_brokers_restarted_in_this_run_with_settings_in_effect() -> None:
    assert already_restarted(1000.0, run_started=900.0, settings_in_effect=True)
    assert not already_restarted(800.0, run_started=900.0, settings_in_effect=True)
    assert not already_restarted(1000.0, run_started=900.0, settings_in_effect=False)
    assert not already_restarted(None, run_started=900.0, settings_in_effect=True)


QUORUM_39 = """\
NodeId DirectoryId            LogEndOffset Lag LastFetchTimestamp LastCaughtUpTimestamp Status
1      pLXmbZ6uQX2Kt3N4a8mXbg 5029         0   1732480000000      1732480000000         Leader
2      Xq4RKM0cT3W1XwX8cvV6Hg 5029         0   1732479999800      1732479999800         Follower
3      kB7Yv0L0Q3GmcB2Kqj1e9w 4100         929 1732479990000      1732479900000         Follower
4      sQZy3H2aRCqgfyq7RxUQbA 5029         0   1732479999900      1732479999900         Observer
"""

QUORUM_37 = """\
NodeId  LogEndOffset  Lag  LastFetchTimestamp  LastCaughtUpTimestamp  Status
5       12            0    1732480000000       1732480000000          Leader
"""


def test_quorum_replication_output_is_parsed_by_column_name() -> None:
    q = parse_quorum_replication(QUORUM_39, max_lag=100)
    assert q == QuorumState(leader_id=1, voters=(Voter(1, True), Voter(2, True), Voter(3, False)))
    assert parse_quorum_replication(QUORUM_37) == QuorumState(5, (Voter(5, True),))


def test_a_voter_that_stopped_fetching_is_not_caught_up_even_with_zero_lag() -> None:
    # Nothing written for a minute: voter 2 (down) still shows Lag 0.
    text = """NodeId LogEndOffset Lag LastFetchTimestamp LastCaughtUpTimestamp Status
1 40 0 1732480060000 1732480060000 Leader
2 40 0 1732480000000 1732480000000 Follower
3 40 0 1732480059000 1732480059000 Follower
"""
    q = parse_quorum_replication(text)
    assert q.voters == (Voter(1, True), Voter(2, False), Voter(3, True))


HUMAN = """NodeId LogEndOffset Lag LastFetchTimestamp LastCaughtUpTimestamp Status
1 40 0 5 ms ago 5 ms ago Leader
"""


@pytest.mark.parametrize(
    "text",
    [HUMAN, "", "Cluster has no quorum\n", "NodeId LogEndOffset Lag\n1 2 0\n", QUORUM_37 + "6 1\n"],
)
def test_unusable_quorum_output_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(AdminError):
        parse_quorum_replication(text)
