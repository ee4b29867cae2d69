"""Shared pieces for rolling-restart tests against the simulated cluster."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulated import SimCluster

from kafka_vmtune.restart.gates import partitions_to_elect
from kafka_vmtune.restart.machine import RollSettings

# Short, but longer than the simulated delays (stop 4 s, start 10 s, catch-up 20 s).
SETTINGS = RollSettings(
    gate_timeout=120,
    stop_timeout=60,
    start_timeout=60,
    catchup_timeout=120,
    election_timeout=30,
    poll_interval=1,
)


@dataclass
class WatchedService:
    """The simulation's service manager, checking at every stop that each broker restarted
    so far is back in sync and leads its preferred partitions (per-broker restoration)."""

    sim: SimCluster
    started: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    controller_at_stop: dict[int, int | None] = field(default_factory=dict)

    def stop(self, node_id: int) -> None:
        snap = self.sim.snapshot()
        self.controller_at_stop[node_id] = snap.active_controller
        for done in self.started:
            behind = [str(p) for p in snap.hosted_by(done) if done not in p.isr]
            if behind or partitions_to_elect(snap, done):
                self.problems.append(f"broker {node_id} stopped before {done} was restored")
        self.sim.stop(node_id)

    def start(self, node_id: int) -> None:
        self.started.append(node_id)
        self.sim.start(node_id)

    def is_running(self, node_id: int) -> bool:
        return self.sim.is_running(node_id)

    def failure(self, node_id: int) -> str | None:
        return self.sim.failure(node_id)
