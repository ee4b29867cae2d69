"""Batched rolls against the simulated cluster: a six-broker, three-rack cluster rolled in
safe batches never goes below min.insync.replicas, restores preferred leaders, and a
broker that fails in a batch leaves the others of its batch back and checked."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from restart_helpers import SETTINGS
from simulated import Faults, SimCluster

from kafka_vmtune.restart.machine import BatchFailedError, RollFailedError, roll

RACKS = {1: "a", 2: "b", 3: "c", 4: "a", 5: "b", 6: "c"}
BY_RACK = {"a": (1, 4), "b": (2, 5), "c": (3, 6)}


def rack_aware(partitions: int = 12) -> list[tuple[str, int, list[int]]]:
    """One replica per rack (RF 3), leaders spread, as Kafka places with broker.rack."""
    layout = []
    order = ("a", "b", "c")
    for p in range(partitions):
        racks = order[p % 3 :] + order[: p % 3]
        layout.append(("orders", p, [BY_RACK[r][(p // 3) % 2] for r in racks]))
    return layout


def six(faults: Faults | None = None) -> SimCluster:
    return SimCluster.build(
        sorted(RACKS), rack_aware(), voters=(1, 2, 3), default_min_isr=2, faults=faults
    )


def unsafe(sim: SimCluster) -> list[str]:
    return [v.what for v in sim.violations if "below min" in v.what or "offline" in v.what]


def test_a_six_broker_three_rack_cluster_rolls_in_rack_batches_safely() -> None:
    sim = six()
    report = roll(sim, sim, sorted(RACKS), SETTINGS, sim.clock, batch=None, racks=RACKS)
    assert report.outcome == "ok"
    assert unsafe(sim) == []
    assert sorted(sim.stops) == sorted(RACKS)
    assert report.notes[:4] == [
        "batch 1: brokers 2, 5 (rack b, together every partition keeps min.insync.replicas "
        "in sync on the brokers that stay up, controller voter 2 the only voter)",
        "batch 2: brokers 3, 6 (rack c, together every partition keeps min.insync.replicas "
        "in sync on the brokers that stay up, controller voter 3 the only voter)",
        "batch 3: broker 4 (alone: with any broker of a later batch some partition would "
        "drop below min.insync.replicas or a second voter would be out)",
        "batch 4: broker 1 (active controller: last and alone)",
    ]
    stopped_at = {e.what.split()[1]: e.t for e in sim.log if "controlled shutdown" in e.what}
    assert stopped_at["2"] == stopped_at["5"] and stopped_at["3"] == stopped_at["6"]
    assert sim.max_down == 2
    snap = sim.snapshot()
    assert all(p.leader == p.preferred_leader for p in snap.partitions)
    assert all(b.outcome == "restarted" for b in report.brokers)
    # Brokers of one batch share the batch's stop and start times.
    by_node = {b.node_id: b.timings for b in report.brokers}
    assert by_node[2]["unit_start"] == by_node[5]["unit_start"]
    assert by_node[2]["stop"] == by_node[5]["stop"]


def test_batched_roll_takes_fewer_turns_than_serial() -> None:
    serial, batched = six(), six()
    roll(serial, serial, sorted(RACKS), SETTINGS, serial.clock)
    roll(batched, batched, sorted(RACKS), SETTINGS, batched.clock, batch=None, racks=RACKS)
    # Four turns instead of six: the same per-broker durations, fewer waits end to end.
    assert batched.clock.now() < serial.clock.now() * 0.8


def test_a_broker_failing_in_a_batch_leaves_the_other_back_and_stops_the_roll() -> None:
    sim = six(Faults(never_returns=frozenset({5})))
    try:
        roll(sim, sim, sorted(RACKS), SETTINGS, sim.clock, batch=None, racks=RACKS)
    except RollFailedError as exc:
        failure = exc
    else:
        raise AssertionError("the roll did not stop")
    assert isinstance(failure.cause, BatchFailedError)
    outcomes = {b.node_id: b.outcome for b in failure.report.brokers}
    assert outcomes == {2: "restarted", 5: "failed"}
    # Broker 2 of the same batch is back, in sync and leading again; only 5 is out.
    snap = sim.snapshot()
    assert snap.brokers == frozenset(RACKS) - {5}
    assert sorted(sim.stops) == [2, 5]
    assert "broker 5 did not come back" in str(failure)
    assert unsafe(sim) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    limit=st.none() | st.integers(1, 4),
    delays=st.lists(st.floats(0, 60), min_size=6, max_size=6),
    crash=st.none() | st.tuples(st.floats(0, 300), st.sampled_from(sorted(RACKS))),
)
def test_any_batched_roll_never_takes_a_partition_below_min_isr(
    limit: int | None, delays: list[float], crash: tuple[float, int] | None
) -> None:
    sim = SimCluster.build(
        sorted(RACKS),
        rack_aware(),
        voters=(1, 2, 3),
        default_min_isr=2,
        catchup_delay=dict(zip(sorted(RACKS), delays)),
        faults=Faults(crash_at=crash),
    )
    try:
        roll(sim, sim, sorted(RACKS), SETTINGS, sim.clock, batch=limit, racks=RACKS)
    except RollFailedError:
        assert crash is not None  # only the injected crash may stop it
    # The roll itself never takes a partition below min ISR (before the injected crash,
    # nothing may break), and it never stops a broker while the crashed one is out.
    crashed_at = crash[0] if crash is not None else float("inf")
    sim_unsafe = [v for v in sim.violations if "below min" in v.what or "offline" in v.what]
    assert [v.what for v in sim_unsafe if v.t < crashed_at] == []
    if crash is not None:
        out = False
        for event in sim.log:
            if event.what == f"broker {crash[1]} crashed":
                out = True
            elif event.what == f"broker {crash[1]} registered and unfenced":
                out = False
            elif out and "controlled shutdown" in event.what:
                raise AssertionError(f"{event.what} at {event.t} while {crash[1]} was out")
