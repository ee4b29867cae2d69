"""Properties over random cluster layouts: a roll never breaks min ISR or takes two brokers
down, and a successful one ends with every partition led by its preferred leader."""

from __future__ import annotations

import dataclasses
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from restart_helpers import SETTINGS, WatchedService
from simulated import Faults, SimCluster, round_robin

from kafka_vmtune.restart.admin import TopicPartition
from kafka_vmtune.restart.machine import (
    ClusterUnhealthyError,
    GateBlockedError,
    RollFailedError,
    roll,
)

SHORT_GATE = dataclasses.replace(SETTINGS, gate_timeout=10)


@st.composite
def layouts(draw: st.DrawFn, feasible: bool) -> SimCluster:
    n = draw(st.integers(3, 6))
    ids = list(range(1, n + 1))
    topics: dict[str, int] = {}
    parts = []
    leaders: dict[TopicPartition, int] = {}
    min_isr: dict[str, int] = {}
    for t in range(draw(st.integers(1, 3))):
        name = f"t{t}"
        rf = draw(st.integers(1 if not feasible else 2, 3))
        # feasible: min ISR below RF, so one broker down never breaks it
        top = rf - 1 if feasible else rf
        min_isr[name] = draw(st.integers(1, max(1, top)))
        topics[name] = draw(st.integers(1, 8))
        for p in range(topics[name]):
            replicas = draw(st.permutations(ids))[:rf]
            parts.append((name, p, replicas))
            leaders[TopicPartition(name, p)] = draw(st.sampled_from(replicas))
    voters = draw(st.sampled_from([(), (1, 2, 3)]))
    delays = {i: draw(st.floats(0, 90)) for i in ids}
    return SimCluster.build(
        ids,
        parts,
        min_isr=min_isr,
        voters=voters,
        leaders=leaders,
        catchup_delay=delays,
        start_delay=draw(st.floats(0, 50)),
        stop_delay=draw(st.floats(0, 30)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sim=layouts(feasible=True))
def test_a_feasible_roll_succeeds_safely_and_ends_with_preferred_leaders(sim: SimCluster) -> None:
    ids = sorted(sim.brokers)
    service = WatchedService(sim)
    report = roll(sim, service, ids, SETTINGS, sim.clock)
    assert report.outcome == "ok"
    assert sorted(sim.stops) == ids
    assert sim.violations == []
    assert sim.max_down == 1
    assert service.problems == []
    snap = sim.snapshot()
    assert all(p.leader == p.preferred_leader for p in snap.partitions)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sim=layouts(feasible=False))
def test_any_roll_either_succeeds_or_stops_at_a_gate_without_harm(sim: SimCluster) -> None:
    ids = sorted(sim.brokers)
    service = WatchedService(sim)
    try:
        # A blocked gate is the expected end here: how long it waits changes nothing but
        # the number of polls (virtual time), so a short gate keeps 150 examples fast.
        roll(sim, service, ids, SHORT_GATE, sim.clock)
    except RollFailedError as exc:
        # Only a gate can refuse here (no faults): the blocking partitions are named.
        assert isinstance(exc.cause, GateBlockedError)
        assert "would drop below min.insync.replicas" in str(exc)
        assert exc.cause.node_id not in sim.stops
    assert sim.violations == []
    assert sim.max_down <= 1
    assert service.problems == []


@st.composite
def faults(draw: st.DrawFn, ids: list[int]) -> Faults:
    some = st.frozensets(st.sampled_from(ids), max_size=1)
    return Faults(
        never_exits=draw(some),
        never_returns=draw(some),
        never_catches_up=draw(some),
        election_fails=draw(some),
        crash_at=draw(st.none() | st.tuples(st.floats(0, 300), st.sampled_from(ids))),
        controller_moves_at=draw(st.none() | st.tuples(st.floats(0, 300), st.sampled_from(ids))),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_fails_the_roll_never_stops_a_broker_while_another_is_out(
    data: st.DataObject,
) -> None:
    ids = [1, 2, 3, 4]
    injected = data.draw(faults(ids))
    sim = SimCluster.build(
        ids, round_robin({"a": 6, "b": 5}, ids, 3), voters=(1, 2, 3), faults=injected
    )
    service = WatchedService(sim)
    try:
        report = roll(sim, service, ids, SETTINGS, sim.clock)
    except RollFailedError as exc:
        # Stopped with one line naming where it stopped and what blocked.
        if isinstance(exc.cause, ClusterUnhealthyError):
            assert str(exc).startswith("stopped at the final check: every broker was restarted")
        else:
            assert f"stopped at broker {exc.cause.node_id} ({exc.cause.phase.value})" in str(exc)
        assert str(exc.cause) in str(exc)
        # It never claims fewer brokers out than there are (virtual time stands still
        # between the roll's last look and here, so the simulation shows that moment).
        out = len(ids) - len(sim.snapshot().brokers)
        claimed = re.search(r"(\d+) brokers? out: ", str(exc))
        if "with only this broker out" in str(exc):
            assert out <= 1, str(exc)
        elif claimed is not None:
            assert int(claimed.group(1)) >= out, str(exc)
    else:
        # 'ok' means every broker restarted and the cluster whole, whatever happened during it.
        assert [b.outcome for b in report.brokers] == ["restarted"] * 4
        snap = sim.snapshot()
        assert snap.brokers == set(ids)
        assert all(len(p.isr) == len(p.replicas) for p in snap.partitions)
    assert not [v for v in sim.violations if "stopped while" in v.what]
    assert service.problems == []
