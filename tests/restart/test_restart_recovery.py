"""A broker that died is started (recovery) by the same after-start sequence as the roll."""

from __future__ import annotations

from restart_helpers import SETTINGS, WatchedService
from simulated import SimCluster, round_robin

from kafka_vmtune.restart.gates import preferred_by
from kafka_vmtune.restart.machine import order_brokers, roll

TOPICS = {"orders": 12, "payments": 6}


def cluster_with_a_dead_broker(dead: int) -> SimCluster:
    ids = [1, 2, 3]
    sim = SimCluster.build(ids, round_robin(TOPICS, ids, 3), voters=(1, 2, 3), default_min_isr=2)
    sim.stop(dead)  # it died: nobody stopped it through the roll
    sim.clock.sleep(30)
    return sim


def test_a_dead_broker_is_started_first_then_the_roll_goes_on() -> None:
    sim = cluster_with_a_dead_broker(2)
    assert not sim.is_running(2)
    stops_before = list(sim.stops)
    service = WatchedService(sim)
    report = roll(sim, service, [1, 2, 3], SETTINGS, sim.clock, down=[2])

    assert report.outcome == "ok"
    recovered = report.brokers[0]
    assert recovered.node_id == 2
    assert recovered.outcome == "recovered"
    # Started and seen back, never gated nor stopped: the gate would wait for itself.
    assert "gate" not in recovered.timings and "stop" not in recovered.timings
    assert {"unit_start", "start", "catch_up", "election"} <= set(recovered.timings)
    assert sim.stops[len(stops_before) :].count(2) == 0
    assert service.started[0] == 2
    # Its preferred leadership is back before any other broker was stopped.
    after = sim.snapshot()
    assert recovered.partitions_led_after == [str(tp) for tp in preferred_by(after, 2)]
    assert service.problems == []
    assert sim.max_down <= 1


def test_a_dead_broker_alone_is_only_started() -> None:
    sim = cluster_with_a_dead_broker(3)
    stops_before = list(sim.stops)
    report = roll(sim, WatchedService(sim), [3], SETTINGS, sim.clock, down=[3])
    assert [b.outcome for b in report.brokers] == ["recovered"]
    assert sim.stops == stops_before  # nothing else was touched
    assert sim.is_running(3)


def test_brokers_that_are_down_go_first_and_the_controller_last() -> None:
    assert order_brokers([1, 2, 3, 4], active_controller=1, down=[3]) == [3, 2, 4, 1]
    assert order_brokers([1, 2, 3], active_controller=3, down=[3]) == [3, 1, 2]
