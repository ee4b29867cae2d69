"""What the rolling restart's safety gates cost: total roll time against the sum of the
brokers' bare stop + start + catch-up times. Goal: ratio <= 1.1.

  .venv/bin/python bench/bench_roll.py            # real cluster when KAFKA_HOME is set,
                                                  # else restart-core's simulated cluster
  .venv/bin/python bench/bench_roll.py --simulated

Real: molecule/kafka_cluster (three KRaft nodes in podman) rolled by tune-vm.yml with
policy always; bare per broker = stop (systemctl stop + PID exit) + unit start +
registration + catch-up, from the roll report; total = first gate to last election.
Simulated: kafka_vmtune.restart.simulated on a virtual clock with per-broker durations of
a production-sized broker; bare = its stop + start + catch-up delays; total = roll() time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))

from kafka_vmtune.restart.machine import RollSettings, roll  # noqa: E402
from kafka_vmtune.restart.simulated import SimCluster, round_robin  # noqa: E402

GOAL = 1.1


@dataclass(frozen=True)
class Result:
    what: str
    brokers: int
    total_s: float
    bare_s: float

    @property
    def ratio(self) -> float:
        return self.total_s / self.bare_s

    def line(self) -> str:
        verdict = "meets" if self.ratio <= GOAL else "MISSES"
        return (
            f"{self.what}: {self.brokers} brokers, roll {self.total_s:.1f} s vs bare "
            f"stop+start+catch-up {self.bare_s:.1f} s: ratio {self.ratio:.3f} "
            f"({verdict} the goal <= {GOAL})"
        )


def simulated(poll: float, brokers: int = 6) -> Result:
    """A 6-broker cluster: 13.4 s controlled shutdown, 27.7 s log recovery until
    registered, catch-up from 41 to 128 s depending on how much each broker hosts.
    (Durations off the poll grid, so every wait pays its polling granularity.)"""
    ids = list(range(1, brokers + 1))
    catchup = {b: 41.3 + 17.3 * (b - 1) for b in ids}
    stop, start = 13.4, 27.7
    sim = SimCluster.build(
        ids,
        round_robin({"orders": 48, "payments": 24, "events": 96}, ids, 3),
        voters=ids[:3],
        stop_delay=stop,
        start_delay=start,
        catchup_delay=catchup,
    )
    began = sim.clock.now()
    report = roll(sim, sim, ids, RollSettings(poll_interval=poll), sim.clock)
    assert report.outcome == "ok", report.render()
    assert not sim.violations, sim.violations[:5]
    total = sim.clock.now() - began
    bare = sum(stop + start + catchup[b] for b in ids)
    return Result(f"SIMULATED cluster (virtual clock, poll {poll:g} s)", brokers, total, bare)


def real() -> Result:
    """Roll molecule/kafka_cluster through tune-vm.yml and read the roll report."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    subprocess.run([str(REPO / "molecule" / "setup.sh")], cwd=REPO, env=env, check=True)
    for line in (REPO / ".cache" / "molecule.env").read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            env[key] = value
    with tempfile.TemporaryDirectory(prefix="kvt-bench-roll-") as tmp:
        env["KVT_KC_REPORT_DIR"] = tmp

        def molecule(action: str) -> None:
            subprocess.run(
                ["molecule", action, "-s", "kafka_cluster"], cwd=REPO, env=env, check=True
            )

        try:
            for action in ("destroy", "create", "prepare", "converge"):
                molecule(action)
        finally:
            molecule("destroy")
        [path] = sorted((Path(tmp) / "rolling-restart").glob("2*.json"))[-1:]
        brokers = json.loads(path.read_text())["brokers"]
    total = max(b["finished_at"] for b in brokers) - min(b["began_at"] for b in brokers)
    bare = sum(
        sum(b["seconds"][k] for k in ("stop", "unit_start", "registered", "catch_up"))
        for b in brokers
    )
    return Result("REAL cluster (molecule/kafka_cluster, KAFKA_HOME)", len(brokers), total, bare)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulated", action="store_true", help="ignore KAFKA_HOME")
    args = parser.parse_args()
    kafka_home = os.environ.get("KAFKA_HOME")
    if kafka_home and not args.simulated:
        results = [real()]
    else:
        print(
            "KAFKA_HOME not set: measuring restart-core's SIMULATED cluster, not a real one",
            file=sys.stderr,
        )
        results = [simulated(5.0), simulated(2.0)]
    for result in results:
        print(result.line())
    return 0 if results[0].ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
