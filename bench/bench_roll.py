"""What a roll costs beyond the restarts it performs: the whole roll as an operator sees it
against the sum of the brokers' bare stop + start + registration + catch-up times.

  .venv/bin/python bench/bench_roll.py            # real cluster when KAFKA_HOME is set,
                                                  # else simulated + Ansible-only
  .venv/bin/python bench/bench_roll.py --simulated
  .venv/bin/python bench/bench_roll.py --ansible  # only the Ansible-only measurement

Ansible-only: playbooks/rolling_restart.yml for real against three podman hosts (systemd,
a stand-in broker unit that exits 2 s after SIGTERM) with the stand-in admin
(tests/support/standin_admin.py) answering for Kafka: what Ansible, systemd and the roll's
own code add per broker, from the first gate to the end of the final health check.

Real: molecule/kafka_cluster (three KRaft nodes in podman) rolled by tune-vm.yml with
policy always; bare per broker = stop (systemctl stop + PID exit) + unit start +
registration + catch-up, from the roll report; total = first gate to last election. In the
same run, under the same client load (a producer with acks=all and a consumer), the same
cluster is then rolled the naive way (`systemctl restart` per broker, a fixed 20 s sleep,
no gate, no election); both are printed side by side: roll time, produce errors, p99 and
max produce latency during the roll, p99 from the first gate (the roll proper, without
the playbook before it), moments below min.insync.replicas, leadership moves of the test
topic's partitions, partitions on their preferred leader at the end, leaders per broker.
Between the two, the same roll runs once more with the control node's processes at nice 19
(what of the latency is this 2-core machine's control node), and each roll then prints its
timeline: acknowledged messages, p99 and max produce latency per second, beside the phases
each broker began in it and the leadership moves seen.
--six rolls molecule/kafka_cluster6 one broker at a time and in auto batches, likewise.
--moves prints what one leadership move costs the clients, by its kind (a controlled
shutdown; a preferred election at once or 30/60 s after the broker caught up).
Simulated: tests/support/simulated.py on a virtual clock with per-broker durations of
a production-sized broker; bare = its stop + start + catch-up delays; total = roll() time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))
sys.path.insert(0, str(REPO / "tests" / "support"))
sys.path.insert(0, str(REPO / "tests" / "kafka"))  # the real modes' cluster and client load

from simulated import SimCluster, round_robin  # noqa: E402

from kafka_vmtune.restart.machine import RollSettings, roll  # noqa: E402
from kafka_vmtune.restart.run import SECONDS  # noqa: E402

GOAL = 1.15


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


BATCH_GOAL = 0.4  # the simulated 30-broker, 3-rack fleet: batched at most 0.4x serial


def rack_aware(ids: list[int], racks: dict[int, str], partitions: int) -> list[Any]:
    """RF 3, one replica per rack, rotating within each rack (as Kafka with broker.rack)."""
    by_rack: dict[str, list[int]] = {}
    for n in ids:
        by_rack.setdefault(racks[n], []).append(n)
    names = sorted(by_rack)
    layout = []
    for p in range(partitions):
        order = names[p % 3 :] + names[: p % 3]
        layout.append(("orders", p, [by_rack[r][(p // 3) % len(by_rack[r])] for r in order]))
    return layout


def simulated_batches(brokers: int = 30, poll: float = 1.0) -> tuple[float, float, list[str]]:
    """A 30-broker fleet in 3 racks (RF 3 rack-aware, min ISR 2, voters 1-3), rolled one
    at a time and in auto batches on the same virtual durations: (serial s, batched s)."""
    ids = list(range(1, brokers + 1))
    racks = {n: "abc"[(n - 1) % 3] for n in ids}
    times = []
    plan: list[str] = []
    for batch in (1, None):
        sim = SimCluster.build(
            ids,
            rack_aware(ids, racks, 600),
            voters=(1, 2, 3),
            default_min_isr=2,
            stop_delay=13.4,
            start_delay=27.7,
            catchup_delay={b: 41.3 + 2.3 * (b % 7) for b in ids},
        )
        began = sim.clock.now()
        report = roll(
            sim, sim, ids, RollSettings(poll_interval=poll), sim.clock, batch=batch, racks=racks
        )
        assert report.outcome == "ok", report.render()
        unsafe = [v for v in sim.violations if "below min" in v.what or "offline" in v.what]
        assert not unsafe, unsafe[:5]
        times.append(sim.clock.now() - began)
        plan = report.notes
    return times[0], times[1], plan


@contextlib.contextmanager
def cluster_up(
    prefix: str, scenario: str = "kafka_cluster", timeout: int = 1800
) -> Iterator[tuple[dict[str, str], Path]]:
    """A created and prepared Molecule scenario, destroyed afterwards whatever happened:
    (its environment, the Molecule log in a private directory that also takes the reports)."""
    from kafka_helpers import molecule_env, prepared

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        env = molecule_env(Path(tmp))
        log = Path(tmp) / "molecule.log"
        with prepared(scenario, env, log, timeout):
            yield env, log


def real() -> Result:
    """Roll molecule/kafka_cluster through tune-vm.yml (policy always) under client load,
    then roll the same cluster the naive way under the same load; print both side by side."""
    from kafka_helpers import HOSTS, bootstrap_servers, molecule

    with cluster_up("kvt-bench-roll-") as (env, log):
        bootstrap = bootstrap_servers(env)
        reports = log.parent / "rolling-restart"
        ours = under_load(bootstrap, lambda: molecule("converge", env, log) == 0)
        brokers = roll_brokers(reports)
        ours["events"] = roll_events(brokers)
        # The same roll with the control node's processes (Ansible, the roll, the admin
        # client, the quorum reads it starts) at nice 19: what is left of the latency
        # spikes is the brokers' own work, not this 2-core machine's control node.
        niced = under_load(bootstrap, lambda: molecule("converge", env, log, prefix=NICE) == 0)
        niced["events"] = roll_events(roll_brokers(reports))
        naive_events: list[tuple[float, str]] = []
        naive = under_load(bootstrap, lambda: naive_roll(HOSTS, env, naive_events))
        naive["events"] = naive_events
    rolls = (
        ("kafka-vmtune roll", ours),
        ("same, control node nice 19", niced),
        ("naive roll", naive),
    )
    print(impact_table(*rolls))
    for label, r in rolls:
        print(f"\n{label}: produce latency per second beside the roll's phases")
        print(timeline(r))
    print("\nkafka-vmtune roll: what each broker waited for (the roll report's waits)")
    for b in brokers:
        for wait in b.get("waits") or ["no wait"]:
            print(f"  broker {b.get('node_id', b['host'])}: {wait}")
    total = max(b["finished_at"] for b in brokers) - min(b["began_at"] for b in brokers)
    bare = sum(
        sum(b["seconds"][k] for k in ("stop", "unit_start", "registered", "catch_up"))
        for b in brokers
    )
    return Result("REAL cluster (molecule/kafka_cluster, KAFKA_HOME)", len(brokers), total, bare)


def real_six() -> tuple[float, float]:
    """molecule/kafka_cluster6 (six nodes, three racks) rolled one at a time, then in auto
    batches, under the same client load; both printed side by side. (serial s, batched s)."""
    from kafka_helpers import SIX_HOSTS, SIX_NETWORK, SIX_SCENARIO, molecule

    with cluster_up("kvt-bench-roll6-", SIX_SCENARIO, timeout=2400) as (env, log):
        bootstrap = bootstrap_servers_six(env, SIX_HOSTS, SIX_NETWORK)
        rolls = {}
        for label, batch in (("serial (batch 1)", "1"), ("batched (auto)", "auto")):
            run_env = dict(env, KVT_RESTART_BATCH=batch)
            rolls[label] = under_load(
                bootstrap,
                lambda e=run_env: (
                    molecule("converge", e, log, timeout=2400, scenario=SIX_SCENARIO) == 0
                ),
            )
            rolls[label]["events"] = roll_events(roll_brokers(log.parent / "rolling-restart"))
    print(impact_table(*rolls.items()))
    for label, r in rolls.items():
        print(f"\n{label}: produce latency per second beside the roll's phases")
        print(timeline(r))
    serial, batched = (r["seconds"] for r in rolls.values())
    verdict = "meets" if batched / serial <= 0.55 else "MISSES"
    print(
        f"REAL six nodes, three racks: batched {batched:.1f} s vs serial {serial:.1f} s "
        f"(converge, whole playbook): ratio {batched / serial:.3f} ({verdict} the goal <= 0.55)"
    )
    # The serial roll runs first and pays what a first run pays (the sysctl written and
    # measured again, the hosts' compiled copy): the roll proper compares the rolls alone.
    s_roll, b_roll = (roll_proper(r) for r in rolls.values())
    print(
        f"the roll proper (first gate to the end): batched {b_roll:.1f} s vs serial "
        f"{s_roll:.1f} s: ratio {b_roll / s_roll:.3f}"
    )
    return serial, batched


# Seconds between a broker's return to every ISR and the preferred election onto it: the
# roll elects at once (0); 30 and 60 give the restarted JVM time to warm up.
MOVE_WAITS = (0.0, 30.0, 60.0)
MOVE_WINDOW_S = 3.0  # messages sent this long after a move are counted as its cost


def real_moves() -> None:
    """What one leadership move costs the clients, by its kind, on molecule/kafka_cluster
    under the roll benches' load: each broker is restarted (`systemctl restart`, so Kafka's
    controlled shutdown moves its leaders away), waited for until it is back in every ISR
    (the roll's own catch-up rule), then, after 0, 30 or 60 s, its preferred leaders are
    elected (the roll's own election call). Prints p99 and max of the messages sent in the
    3 s after each move: whether an election costs less onto a broker that had time to
    warm up, and what a move costs against a controlled shutdown's."""
    from kafka_helpers import HOSTS, bootstrap_servers, percentile

    with cluster_up("kvt-bench-moves-") as (env, _log):
        bootstrap = bootstrap_servers(env)
        events: list[tuple[float, str]] = []
        load = under_load(bootstrap, lambda: move_each_way(HOSTS, env, bootstrap, events))
        load["events"] = events
    print(f"{'move':<58} {'sent':>5} {'p99 ms':>7} {'max ms':>7}")
    for t, what in events:
        lats = [lat for sent, lat in load["samples"] if t <= sent < t + MOVE_WINDOW_S]
        p99 = percentile(lats, 0.99) * 1000 if lats else float("nan")
        top = max(lats, default=float("nan")) * 1000
        print(f"{what:<58} {len(lats):>5} {p99:>7.0f} {top:>7.0f}")
    print(f"\n{impact_table(('moves', load))}\n\nproduce latency per second beside the moves")
    print(timeline(load))


def move_each_way(
    hosts: tuple[str, ...], env: dict[str, str], bootstrap: str, events: list[tuple[float, str]]
) -> bool:
    """Per broker: restart, back in every ISR, wait, preferred election, a quiet pause."""
    from kafka_vmtune.restart.admin import AdminError, election_failed
    from kafka_vmtune.restart.confluent_admin import ConfluentAdmin
    from kafka_vmtune.restart.gates import caught_up, partitions_to_elect

    admin = ConfluentAdmin(bootstrap, None, request_timeout=30.0)

    def lagging(node: int) -> list[str]:
        try:
            return caught_up(admin.snapshot(), node)
        except AdminError as exc:  # a bootstrap broker restarting: ask again
            return [str(exc)]

    try:
        for node, (host, wait) in enumerate(zip(hosts, MOVE_WAITS, strict=True), start=1):
            events.append((time.monotonic(), f"controlled shutdown of broker {node} (restart)"))
            subprocess.run(
                ["podman", "exec", host, "systemctl", "restart", "kafka.service"],
                env=env,
                check=True,
                timeout=900,
            )
            while lagging(node):
                time.sleep(0.2)
            time.sleep(wait)
            to_elect = partitions_to_elect(admin.snapshot(), node)
            events.append(
                (time.monotonic(), f"election onto broker {node}, {wait:.0f} s after its catch-up")
            )
            if any(election_failed(r) for r in admin.elect_preferred(to_elect)):
                return False
            time.sleep(15.0)
    finally:
        admin.close()
    return True


def bootstrap_servers_six(env: dict[str, str], hosts: Any, network: str) -> str:
    from kafka_helpers import bootstrap_servers

    return str(bootstrap_servers(env, hosts, network))


NAIVE_SLEEP_S = 20.0  # what the common playbooks wait after each `systemctl restart`


def naive_roll(
    hosts: tuple[str, ...], env: dict[str, str], events: list[tuple[float, str]] | None = None
) -> bool:
    """systemctl restart per broker, a fixed sleep, no gate, no election."""
    events = [] if events is None else events
    for host in hosts:
        events.append((time.monotonic(), f"restart {host.split('-')[2]}"))
        r = subprocess.run(
            ["podman", "exec", host, "systemctl", "restart", "kafka.service"],
            env=env,
            check=False,
            timeout=900,
        )
        if r.returncode != 0:
            return False
        events.append((time.monotonic(), "sleep"))
        time.sleep(NAIVE_SLEEP_S)
    return True


def under_load(bootstrap: str, roll_it: Any) -> dict[str, Any]:
    """Run one roll while a producer (acks=all) and a consumer run; what the clients saw."""
    from kafka_helpers import percentile
    from kafka_helpers import under_load as run_under_load

    load, ok, began, ended = run_under_load(bootstrap, lambda: bool(roll_it()))
    during = load.latencies(began, ended)
    with load._lock:
        samples = sorted(load.acked.values())
    return {
        "began": began,
        "samples": [(sent, lat) for sent, lat in samples if began <= sent < ended],
        "events": [],
        "moves": load.moves_between(began, ended + 5.0),  # a move is seen up to a poll late
        "ok": ok,
        "seconds": ended - began,
        "errors": len(load.errors),
        "p99_ms": percentile(during, 0.99) * 1000,
        "max_ms": max(during, default=0.0) * 1000,
        "below_min_isr": len(load.below_min_isr),
        "preferred": preferred_share(bootstrap),
        "leaders": leaders_per_broker(bootstrap),
    }


NICE = ("nice", "-n", "19")
PHASES = tuple(key for key, _ in SECONDS)  # the roll report's phases, in their order


def roll_brokers(reports: Path) -> list[dict[str, Any]]:
    """The brokers of the newest roll report in reports."""
    [path] = sorted(reports.glob("2*.json"))[-1:]
    brokers: list[dict[str, Any]] = json.loads(path.read_text())["brokers"]
    return brokers


def roll_events(brokers: list[dict[str, Any]]) -> list[tuple[float, str]]:
    """(monotonic time, "phase broker") for each phase of each broker in a roll report:
    the report's wall-clock began_at plus the phases' seconds in their order."""
    to_mono = time.monotonic() - time.time()
    events = []
    for b in brokers:
        t = float(b["began_at"]) + to_mono
        for phase in PHASES:
            seconds = b["seconds"].get(phase)
            if seconds is None:
                continue
            events.append((t, f"{phase} {b.get('node_id', b['host'])}"))
            t += float(seconds)
    return sorted(events)


def timeline(roll: dict[str, Any]) -> str:
    """One line per second of the roll: acknowledged messages, p99 and max produce
    latency of the messages sent in that second, and the roll's phases that began in it."""
    from kafka_helpers import percentile

    began = roll["began"]
    seconds: dict[int, list[float]] = {}
    for sent, lat in roll["samples"]:
        seconds.setdefault(int(sent - began), []).append(lat)
    marks: dict[int, list[str]] = {}
    for t, what in roll["events"]:
        marks.setdefault(int(t - began), []).append(what)
    for t, part, was, now in roll.get("moves", []):
        marks.setdefault(int(t - began), []).append(f"p{part} {was}->{now}")
    last = max([*seconds, *marks], default=-1)
    lines = ["   s   acked  p99 ms  max ms  phases"]
    for sec in range(last + 1):
        lats = seconds.get(sec, [])
        p99 = f"{percentile(lats, 0.99) * 1000:7.0f}" if lats else "      -"
        top = f"{max(lats) * 1000:7.0f}" if lats else "      -"
        lines.append(f"{sec:4d}  {len(lats):6d} {p99} {top}  {', '.join(marks.get(sec, []))}")
    return "\n".join(lines)


def leaders_per_broker(bootstrap: str) -> dict[int, int]:
    from confluent_kafka.admin import AdminClient
    from kafka_helpers import TOPIC

    meta = AdminClient({"bootstrap.servers": bootstrap}).list_topics(TOPIC, timeout=30)
    counts: dict[int, int] = {}
    for p in meta.topics[TOPIC].partitions.values():
        counts[p.leader] = counts.get(p.leader, 0) + 1
    return dict(sorted(counts.items()))


def preferred_share(bootstrap: str) -> str:
    from confluent_kafka.admin import AdminClient
    from kafka_helpers import TOPIC

    meta = AdminClient({"bootstrap.servers": bootstrap}).list_topics(TOPIC, timeout=30)
    parts = list(meta.topics[TOPIC].partitions.values())
    on = sum(1 for p in parts if p.replicas and p.leader == p.replicas[0])
    return f"{on}/{len(parts)}"


def first_event(roll: dict[str, Any]) -> float:
    """When the roll's first gate (or naive restart) began; its start when it has none."""
    return min((t for t, _ in roll["events"]), default=roll["began"])


def roll_proper(roll: dict[str, Any]) -> float:
    """Seconds from the roll's first gate to its end: without the playbook before it."""
    return float(roll["began"] + roll["seconds"] - first_event(roll))


def p99_from_first_event(roll: dict[str, Any]) -> float:
    """p99 of the messages sent from the roll's first gate (or naive restart) on: the
    roll proper, without the playbook before it (facts, apply, report), whose Ansible and
    podman processes share this machine's two cores with the brokers."""
    from kafka_helpers import percentile

    first = first_event(roll)
    return percentile([lat for sent, lat in roll["samples"] if sent >= first], 0.99) * 1000


def impact_table(*rolls: tuple[str, dict[str, Any]]) -> str:
    rows = [
        ("completed", lambda r: "yes" if r["ok"] else "NO"),
        ("roll time (s)", lambda r: f"{r['seconds']:.1f}"),
        ("produce errors", lambda r: str(r["errors"])),
        ("p99 produce latency (ms)", lambda r: f"{r['p99_ms']:.1f}"),
        ("max produce latency (ms)", lambda r: f"{r['max_ms']:.1f}"),
        ("p99 from the first gate (ms)", lambda r: f"{p99_from_first_event(r):.1f}"),
        ("moments below min ISR", lambda r: str(r["below_min_isr"])),
        ("leadership moves (test topic)", lambda r: str(len(r["moves"]))),
        ("partitions on preferred leader", lambda r: r["preferred"]),
        ("leaders per broker", lambda r: str(r["leaders"])),
    ]
    width = max(len(name) for name, _ in rows)
    out = [" " * width + "  " + "  ".join(f"{name:>22}" for name, _ in rolls)]
    for label, cell in rows:
        out.append(f"{label:<{width}}  " + "  ".join(f"{cell(r):>22}" for _, r in rolls))
    return "\n".join(out)


UNIT = "kvt-bench-broker.service"
UNIT_EXIT_S = 2.2  # the stand-in unit: sleep 0.2 loop, then 2 s after SIGTERM


def ansible_only(brokers: int = 3) -> Result:
    """The real playbook on podman hosts with the stand-in admin (Kafka's phases take 0)."""
    from podman_setup import molecule_environment
    from run_id import scoped

    env = molecule_environment()
    names = [scoped(f"kvt-roll-bench-{i}") for i in range(1, brokers + 1)]
    unit = (
        '[Service]\nExecStart=/bin/sh -c \'trap "sleep 2; exit 0" TERM; '
        "while :; do sleep 0.2; done'\nTimeoutStopSec=400\n"
    )

    def podman(*args: str, stdin: str | None = None) -> str:
        return subprocess.run(
            ["podman", *args], env=env, capture_output=True, text=True, check=True, input=stdin
        ).stdout

    try:
        for name in names:
            subprocess.run(["podman", "rm", "-f", name], env=env, capture_output=True, check=False)
            podman("run", "-d", "--name", name, "--network", "none", "--systemd", "always",
                   env["KVT_IMAGE"], "/lib/systemd/systemd")  # fmt: skip
            podman("exec", "-i", name, "/bin/sh", "-c",
                   "systemctl is-system-running --wait >/dev/null 2>&1; "
                   f"cat > /etc/systemd/system/{UNIT}; for i in $(seq 30); do "
                   f"systemctl daemon-reload && systemctl start {UNIT} && exit 0; sleep 1; "
                   "done; exit 1", stdin=unit)  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="kvt-bench-roll-") as tmp:
            hosts = {
                n: {"ansible_connection": "containers.podman.podman",
                    "ansible_python_interpreter": "/usr/bin/python3",
                    "kafka_vmtune_unit": UNIT, "kafka_vmtune_node_id": i}
                for i, n in enumerate(names, 1)
            }  # fmt: skip
            inv = Path(tmp) / "inventory.json"
            inv.write_text(json.dumps({"all": {"children": {"kafka_brokers": {"hosts": hosts}}}}))
            run_env = dict(
                env,
                ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
                PYTHONPATH=f"{REPO / 'tests' / 'support'}:{REPO / 'python'}",
                KVT_STANDIN_BROKERS=",".join(str(i) for i in range(1, brokers + 1)),
                KAFKA_VMTUNE_TEST_ADMIN="standin_admin:StandInAdmin",
                PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            )
            extra = {
                "kafka_vmtune_restart_policy": "always",
                "kafka_vmtune_bootstrap_servers": "stand-in",
                "kafka_vmtune_report_dir": f"{tmp}/reports",
            }
            cmd = ["ansible-playbook", "-i", str(inv), "playbooks/rolling_restart.yml",
                   "-e", json.dumps(extra)]  # fmt: skip
            launched = time.time()
            proc = subprocess.run(
                cmd, cwd=REPO, env=run_env, capture_output=True, text=True, check=False
            )
            if proc.returncode != 0:
                raise SystemExit(f"the roll failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
            ended = time.time()
            [path] = sorted((Path(tmp) / "reports" / "rolling-restart").glob("2*.json"))[-1:]
            records = json.loads(path.read_text())["brokers"]
    finally:
        for name in names:
            subprocess.run(["podman", "rm", "-f", name], env=env, capture_output=True, check=False)
    first = min(float(b["began_at"]) for b in records)
    last = max(float(b["finished_at"]) for b in records)
    total = last - first
    bare = sum(
        sum(float(b["seconds"][k] or 0) for k in ("stop", "unit_start", "registered", "catch_up"))
        for b in records
    )
    result = Result(
        "ANSIBLE-ONLY (podman hosts, real systemd, stand-in admin)", brokers, total, bare
    )
    for b in records:
        print(
            f"  broker {b['node_id']}: "
            + ", ".join(f"{k} {v:.2f}s" for k, v in b["seconds"].items() if v is not None)
            + f"; turn {float(b['finished_at']) - float(b['began_at']):.2f}s"
        )
    turns = [float(b["finished_at"]) - float(b["began_at"]) for b in records]
    share = sum(turns) / len(turns) - UNIT_EXIT_S
    print(
        f"{result.what}: Ansible's share {share:.2f} s per broker (mean turn "
        f"{sum(turns) / len(turns):.2f} s less the stand-in unit's own {UNIT_EXIT_S:g} s exit: "
        "the systemctl round trips over each host's connection); "
        f"{(total - bare) / brokers:.2f} s per broker outside the phases "
        f"(first gate to last election {total:.1f} s, bare {bare:.1f} s); the playbook around "
        f"the roll (start, decide, order, report, exit) {ended - launched - total:.1f} s of "
        f"{ended - launched:.1f} s"
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulated", action="store_true", help="ignore KAFKA_HOME")
    parser.add_argument("--ansible", action="store_true", help="only the Ansible-only run")
    parser.add_argument(
        "--six", action="store_true", help="real six-node cluster: serial vs batched (KAFKA_HOME)"
    )
    parser.add_argument(
        "--moves", action="store_true", help="real cluster: what one leadership move costs"
    )
    args = parser.parse_args()
    kafka_home = os.environ.get("KAFKA_HOME")
    if args.moves:
        real_moves()
        return 0
    if args.six:
        serial, batched = real_six()
        return 0 if batched / serial <= 0.55 else 1
    if args.ansible:
        results = [ansible_only()]
    elif kafka_home and not args.simulated:
        results = [real()]
    else:
        print(
            "KAFKA_HOME not set: measuring the SIMULATED cluster and the Ansible-only roll, "
            "not a real one",
            file=sys.stderr,
        )
        results = [simulated(5.0), simulated(1.0)]
        serial, batched, plan = simulated_batches()
        verdict = "meets" if batched / serial <= BATCH_GOAL else "MISSES"
        print(
            f"SIMULATED 30-broker 3-rack fleet: serial {serial:.0f} s, batched (auto) "
            f"{batched:.0f} s in {len(plan)} batches: ratio {batched / serial:.3f} ({verdict} "
            f"the goal <= {BATCH_GOAL})"
        )
        if not args.simulated:
            results.append(ansible_only())
    for result in results:
        print(result.line())
    return 0 if results[0].ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
