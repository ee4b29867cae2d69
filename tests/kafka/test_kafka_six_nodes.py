"""Six Kafka nodes in three racks rolled in safe batches while clients run.

molecule/kafka_cluster6: voters 1-3 (combined), brokers 4-6, racks a (1, 4), b (2, 5),
c (3, 6), a topic of 12 partitions with RF 3 and min.insync.replicas 2 placed rack-aware.
tune-vm.yml rolls it with kafka_vmtune_restart_batch auto under an acks=all producer and a
consumer: no produce error, nothing lost, never below min ISR, every partition back on its
preferred leader, and the report shows brokers restarted together.
"""

from __future__ import annotations

import json
from pathlib import Path

from kafka_helpers import (
    KAFKA_MARKS,
    SIX_HOSTS,
    SIX_NETWORK,
    SIX_SCENARIO,
    bootstrap_servers,
    log_tail,
    molecule,
    percentile,
    preferred_leader_misses,
    under_load,
)

pytestmark = KAFKA_MARKS


def test_six_nodes_roll_in_safe_batches_at_no_cost_to_clients(
    six: tuple[dict[str, str], Path],
) -> None:
    env, log = six
    bootstrap = bootstrap_servers(env, SIX_HOSTS, SIX_NETWORK)
    load, code, began, ended = under_load(
        bootstrap,
        lambda: molecule("converge", env, log, timeout=2400, scenario=SIX_SCENARIO),
        before=20,
    )
    during = load.latencies(began, ended)
    missing = sorted(set(load.acked) - load.consumed)
    reports = Path(env["KVT_KC_REPORT_DIR"]) / "rolling-restart"
    state = json.loads((reports / "state.json").read_text())
    report = json.loads((reports / f"{state['run_id']}.json").read_text())
    print(
        f"\nsix-node batched roll: {ended - began:.0f} s (converge), "
        f"{len(load.acked)} messages acknowledged\n"
        + "\n".join(f"  {line}" for line in report.get("batches", []))
        + f"\n  produce errors: {len(load.errors)}; not consumed: {len(missing)}; "
        f"below min ISR: {len(load.below_min_isr)}\n"
        f"  produce latency during the roll: p99 {percentile(during, 0.99) * 1000:.1f} ms, "
        f"max {max(during, default=0) * 1000:.1f} ms ({len(during)} messages)\n"
        + "\n".join(
            f"  broker {b['node_id']}: {b['outcome']} {b['seconds']}" for b in report["brokers"]
        )
    )
    assert code == 0, f"molecule converge failed:\n{log_tail(log)}"
    assert load.errors == [], load.errors[:20]
    assert missing == [], missing[:20]
    assert load.below_min_isr == [], load.below_min_isr[:20]
    assert preferred_leader_misses(bootstrap) == []
    assert any("brokers" in line for line in report["batches"]), report["batches"]
    assert sorted(b["node_id"] for b in report["brokers"]) == [1, 2, 3, 4, 5, 6]
