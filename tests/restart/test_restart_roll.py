"""The full roll against the simulated cluster: clean rolls and every injected fault, each
ending in the right outcome with a message an operator can act on."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from restart_helpers import SETTINGS, WatchedService
from simulated import Faults, SimCluster, round_robin

from kafka_vmtune.restart.admin import AdminError, ClusterSnapshot, ElectionResult, TopicPartition
from kafka_vmtune.restart.gates import preferred_by
from kafka_vmtune.restart.machine import (
    BrokerDidNotStopError,
    BrokerNotBackError,
    ClusterUnhealthyError,
    ElectionFailedError,
    GateBlockedError,
    NotCaughtUpError,
    OtherBrokerDownError,
    RollFailedError,
    RollHooks,
    roll,
    run_final_check,
)

TOPICS = {"orders": 12, "payments": 6, "__consumer_offsets": 10}


def cluster(
    n: int = 3, voters: tuple[int, ...] = (1, 2, 3), faults: Faults | None = None
) -> SimCluster:
    ids = list(range(1, n + 1))
    return SimCluster.build(
        ids, round_robin(TOPICS, ids, 3), voters=voters, default_min_isr=2, faults=faults
    )


def roll_fails(sim: SimCluster) -> RollFailedError:
    service = WatchedService(sim)
    with pytest.raises(RollFailedError) as info:
        roll(sim, service, sorted(sim.brokers), SETTINGS, sim.clock)
    assert service.problems == []
    return info.value


@pytest.mark.parametrize("n", [3, 5])
def test_a_clean_roll_restarts_each_broker_once_and_restores_leadership(n: int) -> None:
    sim = cluster(n)
    before = sim.snapshot()
    first_controller = before.active_controller
    service = WatchedService(sim)
    report = roll(sim, service, list(range(1, n + 1)), SETTINGS, sim.clock)

    assert report.outcome == "ok"
    assert sorted(sim.stops) == list(range(1, n + 1))  # each exactly once
    assert sim.violations == []  # no instant with a partition below min ISR or offline
    assert sim.max_down == 1  # never two brokers down
    assert service.problems == []  # each broker restored before the next was touched
    assert sim.stops[-1] == first_controller  # the active controller went last
    assert report.brokers[-1].was_controller
    after = sim.snapshot()
    for b in report.brokers:
        assert b.outcome == "restarted"
        assert b.partitions_led_after == [str(tp) for tp in preferred_by(after, b.node_id)]
        assert b.partitions_led_after == b.partitions_led_before
        assert set(b.timings) == {"gate", "stop", "unit_start", "start", "catch_up", "election"}
    assert all(
        p.leader == p.preferred_leader and sorted(p.isr) == sorted(p.replicas)
        for p in after.partitions
    )
    json.dumps(report.to_dict())  # the module returns it as JSON
    assert "broker 1: restarted" in report.render()


def test_under_replicated_partitions_before_the_start_stop_the_roll_untouched() -> None:
    tp = TopicPartition("orders", 4)
    sim = cluster(faults=Faults(initial_urp=((tp, 3),)))
    failure = roll_fails(sim)
    assert isinstance(failure.cause, GateBlockedError)
    assert sim.stops == []
    assert "safety gate still blocked after 120s" in str(failure)
    assert "1 under-replicated partition(s): orders-4" in str(failure)
    assert "Restarted: none; not touched: [3, 1]" in str(failure)  # 2 first, controller 1 last


def test_under_replicated_partitions_that_recover_in_time_only_delay_the_roll() -> None:
    tp = TopicPartition("payments", 1)
    sim = cluster(faults=Faults(initial_urp=((tp, 2),), urp_clears_at=45.0))
    report = roll(sim, WatchedService(sim), [1, 2, 3], SETTINGS, sim.clock)
    first_stop = next(e.t for e in sim.log if "controlled shutdown" in e.what)
    assert first_stop >= 45.0
    assert sim.violations == []
    assert any("under-replicated partition(s): payments-1" in w for w in report.brokers[0].waits)


def test_a_broker_whose_process_never_exits_stops_the_roll_before_any_start() -> None:
    sim = cluster(faults=Faults(never_exits=frozenset({2})))
    failure = roll_fails(sim)
    assert isinstance(failure.cause, BrokerDidNotStopError)
    assert str(failure.cause) == "broker 2 still running 60s after stop; the roll stopped"
    assert sim.stops == [2]
    assert not any("process started" in e.what for e in sim.log)


def test_a_service_manager_failure_is_reported_as_such() -> None:
    sim = cluster()

    class Refusing(WatchedService):
        def start(self, node_id: int) -> None:
            raise OSError(f"systemctl start kafka failed on broker {node_id}")

    with pytest.raises(RollFailedError) as info:
        roll(sim, Refusing(sim), [1, 2, 3], SETTINGS, sim.clock)
    assert str(info.value.cause) == (
        "start of broker 2 failed: systemctl start kafka failed on broker 2"
    )
    assert sim.stops == [2]


def test_a_broker_that_never_comes_back_stops_the_roll_with_only_it_down() -> None:
    sim = cluster(faults=Faults(never_returns=frozenset({2})))
    failure = roll_fails(sim)
    assert isinstance(failure.cause, BrokerNotBackError)
    assert sim.stops == [2]
    assert str(failure.cause) == (
        "broker 2 did not come back: not registered and unfenced 60s after start "
        "(broker 2 not registered or still fenced); roll stopped with only this broker out"
    )
    assert sim.max_down == 1


def test_a_unit_that_fails_during_start_stops_the_roll_at_once_with_its_state() -> None:
    sim = cluster(faults=Faults(start_fails=frozenset({2})))
    failure = roll_fails(sim)
    assert isinstance(failure.cause, BrokerNotBackError)
    assert sim.stops == [2]
    message = str(failure.cause)
    assert message.startswith("broker 2 did not come back: unit kafka.service failed ")
    assert "ActiveState=failed SubState=failed Result=exit-code ExecMainStatus=1" in message
    assert "last journal lines: broker 2 exited during start" in message
    # Seconds after the exit, not the 60 s start timeout.
    assert failure.report.brokers[0].timings["start"] < 5
    assert sim.max_down == 1


def test_a_broker_that_never_catches_up_gets_no_leadership_and_the_roll_stops() -> None:
    sim = cluster(faults=Faults(never_catches_up=frozenset({2})))
    failure = roll_fails(sim)
    assert isinstance(failure.cause, NotCaughtUpError)
    assert sim.stops == [2]
    assert "broker 2 is back but did not catch up within 120s" in str(failure)
    assert "not yet in the ISR of 28 partition(s)" in str(failure)
    assert "no leadership was moved to it" in str(failure)
    assert sim.snapshot().led_by(2) == []  # never elected before it caught up
    assert not any("preferred election" in e.what for e in sim.log)


def test_a_failed_election_stops_the_roll_with_the_cluster_in_sync() -> None:
    sim = cluster(faults=Faults(election_fails=frozenset({2})))
    failure = roll_fails(sim)
    assert isinstance(failure.cause, ElectionFailedError)
    assert sim.stops == [2]
    message = str(failure)
    assert "preferred leader election for broker 2 failed after 30s" in message
    # One cause, said once, with the partitions it hit (first few and a count).
    assert message.count("PREFERRED_LEADER_NOT_AVAILABLE (injected)") == 1
    assert "PREFERRED_LEADER_NOT_AVAILABLE (injected) (9 partitions: " in message
    assert " and 4 more)" in message
    assert "the cluster is healthy but unbalanced" in message
    snap = sim.snapshot()
    assert all(
        sorted(p.isr) == sorted(p.replicas) for p in snap.partitions
    )  # healthy: nothing under-replicated


def test_a_broker_failing_while_another_catches_up_stops_the_wait_at_once_and_names_it() -> None:
    # Broker 1 crashes while broker 2 is catching up (stopped at t=0, registered at t=14).
    sim = cluster(faults=Faults(crash_at=(20.0, 1)))
    service = WatchedService(sim)
    with pytest.raises(RollFailedError) as info:
        roll(sim, service, [1, 2, 3], SETTINGS, sim.clock)
    failure = info.value
    assert isinstance(failure.cause, OtherBrokerDownError)
    assert failure.cause.node_id == 2 and failure.cause.phase.value == "await_caught_up"
    assert sim.stops == [2]  # broker 3 was never stopped with broker 1 down
    assert sim.clock.now() < 22  # the next poll after the crash, not the catch-up timeout
    message = str(failure)
    assert "stopped waiting for broker 2 to catch up after " in message
    assert "broker 1 went down (no longer registered, or fenced)" in message
    assert "1 broker out: 1 (not by this roll)" in message
    # Broker 2 is registered but not yet back in any ISR: with 1 down, every partition
    # holds one in-sync replica on a broker that is up, below min.insync.replicas 2.
    assert "28 partition(s) below min.insync.replicas (acks=all writes fail)" in message
    assert "the roll stopped and touches no other broker" in message


def test_a_voter_failing_while_a_broker_registers_stops_at_once_and_counts_both_out() -> None:
    # The case: broker 3 (a voter) goes down while broker 2 restarts (stopped at
    # t=0, exits at 4, registers at 14): two of three voters out, the quorum has no
    # majority. The roll must not wait out the start timeout nor claim one broker out.
    sim = cluster(faults=Faults(crash_at=(8.0, 3)))
    service = WatchedService(sim)
    with pytest.raises(RollFailedError) as info:
        roll(sim, service, [1, 2, 3], SETTINGS, sim.clock)
    failure = info.value
    assert isinstance(failure.cause, OtherBrokerDownError)
    assert failure.cause.phase.value == "await_registered"
    assert sim.stops == [2] and sim.clock.now() < 10
    message = str(failure)
    assert "stopped waiting for broker 2 to register after " in message
    assert "broker 3 went down" in message
    assert "2 brokers out: 2 (restarted by this roll), 3 (not by this roll)" in message
    assert (
        "controller quorum without a majority: voter(s) 2, 3 out, 1 of 3 up, a majority is 2"
        in message
    )
    assert "partition(s) below min.insync.replicas" in message
    assert "only this broker out" not in message
    assert failure.report.brokers[0].outcome == "failed"


def test_a_broker_that_is_not_back_when_kafka_never_answers_claims_nothing_about_others() -> None:
    sim = cluster(faults=Faults(never_returns=frozenset({2})))

    class Unreachable:
        """Kafka stops answering once broker 2 is stopped (it was the bootstrap)."""

        def snapshot(self) -> ClusterSnapshot:
            if sim.stops:
                raise AdminError("describing the cluster via b2:9092 failed: _TRANSPORT")
            return sim.snapshot()

        def elect_preferred(self, partitions: Sequence[TopicPartition]) -> list[ElectionResult]:
            return sim.elect_preferred(partitions)

    with pytest.raises(RollFailedError) as info:
        roll(Unreachable(), WatchedService(sim), [1, 2, 3], SETTINGS, sim.clock)
    message = str(info.value.cause)
    assert message.startswith("broker 2 did not come back: not registered and unfenced 60s")
    # The gate's answer is the last the roll had: it knows of no other broker out, but
    # says that Kafka was not answering rather than claiming only this broker is out.
    assert message.endswith(
        "roll stopped; Kafka did not answer the last poll, so other brokers may be out too "
        "(at its last answer: only this broker out)"
    )


def test_a_broker_dying_after_its_restart_stops_the_wait_for_the_last_one() -> None:
    # Broker 2 (restarted first) dies at t=80, while broker 1, the last, is restarting.
    sim = cluster(faults=Faults(crash_at=(80.0, 2)))
    failure = roll_fails(sim)
    assert isinstance(failure.cause, OtherBrokerDownError)
    assert sim.stops == [2, 3, 1]
    assert "broker 2 went down" in str(failure)
    assert str(failure).endswith("Restarted: [2, 3]; not touched: none")


def test_the_final_check_fails_on_a_broker_that_is_out() -> None:
    sim = cluster(faults=Faults(crash_at=(1.0, 2)))
    sim.clock.sleep(2)
    with pytest.raises(ClusterUnhealthyError) as info:
        run_final_check(sim, 1, SETTINGS, sim.clock, node_ids=[1, 2, 3])
    assert str(info.value).startswith(
        "cluster not healthy after 120s: broker 2 not registered or fenced; "
        "28 under-replicated partition(s): "
    )


def test_a_moving_controller_is_still_restarted_last() -> None:
    # The controller is 1 at the start (so the order is 2, 3, 1); it moves to 3 at t=20,
    # while broker 3 waits for its turn.
    sim = cluster(faults=Faults(controller_moves_at=(20.0, 3)))
    service = WatchedService(sim)
    report = roll(sim, service, [1, 2, 3], SETTINGS, sim.clock)
    assert report.outcome == "ok"
    assert sim.stops == [2, 1, 3]
    assert service.controller_at_stop[3] == 3
    assert report.order == [2, 1, 3]
    assert report.notes == ["active controller is now broker 3: restarting it last"]
    assert sim.violations == []


def test_a_resumed_roll_skips_brokers_already_done() -> None:
    sim = cluster(faults=Faults(never_returns=frozenset({3})))
    roll_fails(sim)  # broker 2 done, broker 3 stuck: the operator fixes it
    sim.faults = Faults()
    sim.brokers[3].running = False
    sim.start(3)
    run_started = 0.0
    done = {
        n for n in sim.brokers if sim.brokers[n].starts and sim.process_start_time(n) >= run_started
    }
    report = roll(sim, WatchedService(sim), [1, 2, 3], SETTINGS, sim.clock, skip=done)
    assert [b.outcome for b in report.brokers] == ["skipped", "skipped", "restarted"]
    assert sim.stops == [2, 3, 1]
    assert "skipped (already done) [2, 3]" in report.message


def test_the_report_of_a_failed_roll_says_where_and_why() -> None:
    failure = roll_fails(cluster(faults=Faults(never_catches_up=frozenset({2}))))
    broker = failure.report.brokers[0].to_dict()
    # The keys the Ansible module contract promises.
    assert {"phase", "node_id", "waited_s", "partitions_led_before", "partitions_led_after"} <= set(
        broker
    )
    assert broker["phase"] == "await_caught_up" and broker["outcome"] == "failed"
    assert set(broker["timings"]) == {"gate", "stop", "unit_start", "start", "catch_up"}
    text = failure.report.render()
    assert text.startswith("rolling restart: failed: stopped at broker 2 (await_caught_up)")
    assert "  error: broker 2 is back but did not catch up within 120s" in text


class _CountingQuorum(RollHooks):
    """Counts the gates' quorum reads (each one a JVM on a broker host in production)."""

    def __init__(self, sim: SimCluster) -> None:
        self.sim = sim
        self.reads: list[tuple[float, int]] = []

    def quorum(self, snapshot: ClusterSnapshot, node_id: int) -> ClusterSnapshot:
        self.reads.append((self.sim.clock.now(), node_id))
        return snapshot


@pytest.mark.parametrize("batch", [1, None])
def test_the_quorum_is_read_only_once_the_metadata_lets_the_gate_pass(batch: int | None) -> None:
    tp = TopicPartition("payments", 1)
    sim = cluster(n=6, faults=Faults(initial_urp=((tp, 2),), urp_clears_at=45.0))
    hooks = _CountingQuorum(sim)
    report = roll(sim, sim, list(range(1, 7)), SETTINGS, sim.clock, hooks=hooks, batch=batch)
    # A batch stops brokers beside each other (a "stopped while" note): never below min ISR.
    assert not [v for v in sim.violations if "below min" in v.what or "offline" in v.what]
    assert any("payments-1" in w for w in report.brokers[0].waits)  # the first gate waited
    assert hooks.reads and min(t for t, _ in hooks.reads) >= 45.0
    turns = {e.t for e in sim.log if "controlled shutdown" in e.what}  # stops at once: a batch
    assert len(turns) == (6 if batch == 1 else len(turns)) and len(turns) < 7
    assert len(hooks.reads) == len(turns)  # one read per gate: each passed on the poll that read it
