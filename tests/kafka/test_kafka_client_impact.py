"""Clients keep working while tune-vm.yml rolls a real Kafka cluster.

A producer (acks=all, idempotent) and a consumer run without pause while the operator's
command (tune-vm.yml, restart policy always, through `molecule converge` on the
kafka_cluster scenario) restarts all three KRaft nodes one at a time. The roll must cost
the clients nothing: no produce error, every acknowledged message consumed, no partition
ever below min.insync.replicas, and every partition back on its preferred leader.
"""

from __future__ import annotations

from pathlib import Path

from kafka_helpers import (
    KAFKA_MARKS,
    bootstrap_servers,
    log_tail,
    molecule,
    percentile,
    preferred_leader_misses,
    under_load,
)

pytestmark = KAFKA_MARKS

BASELINE_S = 30.0
AFTER_S = 10.0


def test_roll_costs_clients_nothing(cluster: tuple[dict[str, str], Path]) -> None:
    env, log = cluster
    load, code, roll_began, roll_ended = under_load(
        bootstrap_servers(env), lambda: molecule("converge", env, log), BASELINE_S, AFTER_S
    )

    before = load.latencies(0.0, roll_began)
    during = load.latencies(roll_began, roll_ended)
    missing = sorted(set(load.acked) - load.consumed)
    moves: dict[int, int] = {}
    for _t, part, _was, _now in load.moves_between(roll_began, roll_ended + AFTER_S):
        moves[part] = moves.get(part, 0) + 1
    print(
        "\nclient impact of the roll "
        f"({roll_ended - roll_began:.0f} s, {len(load.acked)} messages acknowledged):\n"
        f"  produce errors: {len(load.errors)}\n"
        f"  acknowledged but not consumed: {len(missing)}\n"
        f"  moments below min.insync.replicas: {len(load.below_min_isr)}\n"
        f"  produce latency before the roll: p99 {percentile(before, 0.99) * 1000:.1f} ms, "
        f"max {max(before, default=0) * 1000:.1f} ms ({len(before)} messages)\n"
        f"  produce latency during the roll: p99 {percentile(during, 0.99) * 1000:.1f} ms, "
        f"max {max(during, default=0) * 1000:.1f} ms ({len(during)} messages)\n"
        f"  leadership moves per partition: {dict(sorted(moves.items()))}"
    )
    assert code == 0, f"molecule converge (tune-vm.yml, policy always) failed:\n{log_tail(log)}"
    assert during, "no message was produced during the roll"
    assert load.errors == [], load.errors[:20]
    assert missing == [], f"{len(missing)} acknowledged message(s) never consumed: {missing[:20]}"
    assert load.below_min_isr == [], load.below_min_isr[:20]
    assert preferred_leader_misses(bootstrap_servers(env)) == []
    # Each move costs its partition's producers a second or two (bench_roll.py --moves), so
    # a leader moves away for its broker's stop and back once, never more.
    assert max(moves.values(), default=0) <= 2, f"leadership moves per partition: {moves}"
