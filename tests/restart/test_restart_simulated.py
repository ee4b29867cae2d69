"""The simulated cluster behaves like Kafka where the roll depends on it, and its invariant
hook does catch an unsafe restart (so the roll tests' 'no violations' means something)."""

from __future__ import annotations

from simulated import SimCluster, round_robin

from kafka_vmtune.restart.admin import ELECTION_NOT_NEEDED, TopicPartition

T0 = TopicPartition("t", 0)


def three() -> SimCluster:
    return SimCluster.build([1, 2, 3], round_robin({"t": 3}, [1, 2, 3], 3), voters=[1, 2, 3])


def test_controlled_shutdown_moves_leadership_and_shrinks_the_isr() -> None:
    sim = three()
    sim.stop(1)
    snap = sim.snapshot()
    p = next(p for p in snap.partitions if p.tp == T0)
    assert p.leader == 2 and 1 not in p.isr
    assert 1 not in snap.brokers  # fenced at once
    assert sim.is_running(1)  # the process exits only after the shutdown delay
    sim.clock.sleep(sim.stop_delay)
    assert not sim.is_running(1)
    assert snap.active_controller == 2  # the quorum leader moved off the stopping node


def test_a_restarted_broker_registers_then_catches_up_after_its_delays() -> None:
    sim = three()
    sim.stop(1)
    sim.clock.sleep(5)
    sim.start(1)
    sim.clock.sleep(sim.start_delay)
    snap = sim.snapshot()
    assert 1 in snap.brokers and 1 not in next(p for p in snap.partitions if p.tp == T0).isr
    sim.clock.sleep(sim.catchup_delay[1])
    assert 1 in next(p for p in sim.snapshot().partitions if p.tp == T0).isr


def test_preferred_election_needs_the_preferred_replica_in_sync() -> None:
    sim = three()
    sim.stop(1)
    sim.clock.sleep(30)
    sim.start(1)
    sim.clock.sleep(sim.start_delay)  # registered, not yet in sync
    assert sim.elect_preferred([T0])[0].error == "PREFERRED_LEADER_NOT_AVAILABLE"
    sim.clock.sleep(sim.catchup_delay[1])
    assert sim.elect_preferred([T0])[0].error is None
    assert sim.elect_preferred([T0])[0].error == ELECTION_NOT_NEEDED
    assert sim.snapshot().led_by(1) == [T0]


def test_the_invariant_hook_records_an_unsafe_second_stop() -> None:
    sim = three()
    sim.stop(1)
    sim.stop(2)  # what the gate exists to prevent
    whats = [v.what for v in sim.violations]
    assert "broker 2 stopped while [1] down" in whats
    assert any("below min.insync.replicas" in w for w in whats)
    assert sim.max_down == 2


def test_observers_see_every_state_change() -> None:
    sim = three()
    seen: list[float] = []
    sim.observers.append(lambda s: seen.append(s.clock.now()))
    sim.stop(3)
    sim.clock.sleep(100)
    sim.start(3)
    sim.clock.sleep(100)
    assert len(seen) >= 3  # shutdown, registration, catch-up
