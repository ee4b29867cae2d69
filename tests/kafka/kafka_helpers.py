"""A real Kafka cluster (molecule/kafka_cluster) and bounded clients that load it.

Everything here needs a Kafka distribution at KAFKA_HOME; without it the tests skip.
Clients talk only to the podman network's local addresses.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from podman_setup import molecule_environment, run_molecule
from run_id import scoped

SCENARIO = "kafka_cluster"
# Machine-wide podman names, this run's own (molecule.yml appends KVT_RUN_ID the same way).
HOSTS = (scoped("kvt-kc-1"), scoped("kvt-kc-2"), scoped("kvt-kc-3"))
NETWORK = scoped("kvt-kc-net")
# molecule/kafka_cluster6: six nodes in three racks (voters 1-3), rolled in batches.
SIX_SCENARIO = "kafka_cluster6"
SIX_HOSTS = tuple(scoped(f"kvt-kc6-{i}") for i in range(1, 7))
SIX_NETWORK = scoped("kvt-kc6-net")
TOPIC = "kvt-impact"
MIN_ISR = 2
NO_KAFKA = "KAFKA_HOME not set: needs a real Apache Kafka distribution (bin/kafka-server-start.sh)"


def kafka_skip_reason() -> str | None:
    home = os.environ.get("KAFKA_HOME")
    if not home:
        return NO_KAFKA
    if not (Path(home) / "bin" / "kafka-server-start.sh").is_file():
        return f"KAFKA_HOME={home} is not a Kafka distribution (no bin/kafka-server-start.sh)"
    if shutil.which("podman") is None or os.geteuid() != 0:
        return "the kafka_cluster scenario needs podman as root"
    return None


def molecule_env(report_dir: Path) -> dict[str, str]:
    """os.environ plus molecule/setup.sh's exports (runs it; fast when already done)."""
    env = molecule_environment()
    env.update(
        KVT_KC_REPORT_DIR=str(report_dir), ANSI_COLORS_DISABLED="1", NO_COLOR="1", PY_COLORS="0"
    )
    return env


def molecule(
    action: str,
    env: dict[str, str],
    log: Path,
    timeout: int = 1800,
    scenario: str = SCENARIO,
    *,
    prefix: Sequence[str] = (),
) -> int:
    """`molecule ACTION -s SCENARIO`, output appended to log; the exit code."""
    return run_molecule([action, "-s", scenario], env, log, timeout, prefix)


def log_tail(log: Path, lines: int = 80) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) + f"\n(log: {log})"


def bootstrap_servers(
    env: dict[str, str], hosts: tuple[str, ...] = HOSTS, network: str = NETWORK
) -> str:
    """host:9092 for each node, by its address on the scenario's podman network."""
    fmt = f'{{{{(index .NetworkSettings.Networks "{network}").IPAddress}}}}'
    addrs = [
        subprocess.run(
            ["podman", "inspect", "-f", fmt, host],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        for host in hosts
    ]
    return ",".join(f"{a}:9092" for a in addrs)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Load:
    """A producer (acks=all, idempotent) and a consumer that run without pause, and an
    admin poller that watches every partition's ISR against min.insync.replicas."""

    bootstrap: str
    rate: float = 200.0  # messages per second
    max_messages: int = 400_000
    max_seconds: float = 1800.0
    sent_at: dict[int, float] = field(default_factory=dict)
    acked: dict[int, tuple[float, float]] = field(default_factory=dict)  # seq -> (sent, latency)
    errors: list[str] = field(default_factory=list)
    consumed: set[int] = field(default_factory=set)
    below_min_isr: list[str] = field(default_factory=list)
    # (monotonic time, partition, old leader, new leader) of the test topic, as the watcher's
    # 0.5 s poll sees them: two moves between polls count as one.
    leader_moves: list[tuple[float, int, int, int]] = field(default_factory=list)
    admin_errors: list[str] = field(default_factory=list)
    _stop_producing: threading.Event = field(default_factory=threading.Event)
    _stop_all: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _produced: threading.Event = field(default_factory=threading.Event)  # final flush done
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        for target in (self._produce, self._consume, self._watch_isr):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop_producing(self) -> None:
        self._stop_producing.set()

    def wait_consumed(self, timeout: float) -> None:
        """Stop producing, wait until the producer's final flush has acknowledged its last
        messages, then until the consumer has read every acknowledged one. Comparing
        earlier races the flush: the last acknowledgements arrive after the check."""
        deadline = time.monotonic() + timeout
        self._stop_producing.set()
        self._produced.wait(timeout)
        while time.monotonic() < deadline:
            with self._lock:
                if set(self.acked) <= self.consumed:
                    return
            time.sleep(0.5)

    def stop(self) -> None:
        self._stop_producing.set()
        self._stop_all.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def latencies(self, start: float, end: float) -> list[float]:
        with self._lock:
            return [lat for sent, lat in self.acked.values() if start <= sent < end]

    def moves_between(self, start: float, end: float) -> list[tuple[float, int, int, int]]:
        """The leader moves the watcher saw from start to end (both included)."""
        with self._lock:
            return [m for m in self.leader_moves if start <= m[0] <= end]

    def _produce(self) -> None:
        from confluent_kafka import KafkaError, Producer

        producer = Producer(
            {
                "bootstrap.servers": self.bootstrap,
                "acks": "all",
                "enable.idempotence": True,
                "linger.ms": 5,
                "delivery.timeout.ms": 300_000,
            }
        )

        def delivered(err: KafkaError | None, msg: Any) -> None:
            seq = int(msg.key())
            now = time.monotonic()
            with self._lock:
                sent = self.sent_at.pop(seq)
                if err is not None:
                    self.errors.append(f"message {seq}: {err}")
                else:
                    self.acked[seq] = (sent, now - sent)

        began = time.monotonic()
        seq = 0
        while (
            not self._stop_producing.is_set()
            and seq < self.max_messages
            and time.monotonic() - began < self.max_seconds
        ):
            with self._lock:
                self.sent_at[seq] = time.monotonic()
            producer.produce(TOPIC, key=str(seq).encode(), value=b"x" * 100, on_delivery=delivered)
            producer.poll(0)
            seq += 1
            time.sleep(max(0.0, began + seq / self.rate - time.monotonic()))
        try:
            left = producer.flush(120)
            if left:
                with self._lock:
                    self.errors.append(f"{left} message(s) never delivered or failed")
        finally:
            self._produced.set()

    def _consume(self) -> None:
        from confluent_kafka import Consumer

        consumer = Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": f"kvt-impact-{os.getpid()}-{time.time_ns()}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            }
        )
        consumer.subscribe([TOPIC])
        try:
            while not self._stop_all.is_set():
                msg = consumer.poll(0.5)
                if msg is None or msg.error():
                    continue
                with self._lock:
                    self.consumed.add(int(msg.key() or b"-1"))
        finally:
            consumer.close()

    def _watch_isr(self) -> None:
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        leaders: dict[int, int] = {}
        while not self._stop_all.is_set():
            try:
                meta = admin.list_topics(TOPIC, timeout=5)
                for p in meta.topics[TOPIC].partitions.values():
                    was = leaders.get(p.id, p.leader)
                    if p.leader >= 0 and was >= 0 and p.leader != was:
                        with self._lock:
                            self.leader_moves.append((time.monotonic(), p.id, was, p.leader))
                    if p.leader >= 0:
                        leaders[p.id] = p.leader
                    if len(p.isrs) < MIN_ISR or p.leader < 0:
                        with self._lock:
                            self.below_min_isr.append(
                                f"{time.strftime('%H:%M:%S')} {TOPIC}-{p.id} "
                                f"leader {p.leader} isr {sorted(p.isrs)}"
                            )
            except Exception as exc:  # a metadata request failing is not an ISR violation
                with self._lock:
                    self.admin_errors.append(str(exc))
            time.sleep(0.5)


def preferred_leader_misses(bootstrap: str) -> list[str]:
    """Partitions of the test topic not led by their preferred (first) replica."""
    from confluent_kafka.admin import AdminClient

    meta = AdminClient({"bootstrap.servers": bootstrap}).list_topics(TOPIC, timeout=30)
    return [
        f"{TOPIC}-{p.id}: leader {p.leader}, replicas {p.replicas}"
        for p in meta.topics[TOPIC].partitions.values()
        if not p.replicas or p.leader != p.replicas[0]
    ]


# Every real-cluster test: marked, and skipped (with the reason) without a Kafka here.
KAFKA_MARKS = [
    pytest.mark.kafka,
    pytest.mark.molecule,
    pytest.mark.podman,
    pytest.mark.ansible,
    pytest.mark.skipif(kafka_skip_reason() is not None, reason=kafka_skip_reason() or ""),
]


@contextlib.contextmanager
def prepared(scenario: str, env: dict[str, str], log: Path, timeout: int = 2400) -> Iterator[None]:
    """A created and prepared scenario, destroyed afterwards whatever happened."""
    log.parent.mkdir(exist_ok=True)
    log.write_text("")
    molecule("destroy", env, log, scenario=scenario)
    try:
        for action in ("create", "prepare"):
            code = molecule(action, env, log, timeout=timeout, scenario=scenario)
            assert code == 0, f"molecule {action} failed ({code}):\n{log_tail(log)}"
        yield
    finally:
        molecule("destroy", env, log, scenario=scenario)


def under_load(
    bootstrap: str, roll_it: Callable[[], Any], before: float = 10.0, after: float = 10.0
) -> tuple[Load, Any, float, float]:
    """Run roll_it while a producer (acks=all) and a consumer run: (the load, what roll_it
    returned, when it began, when it ended), every acknowledged message consumed first."""
    load = Load(bootstrap)
    load.start()
    try:
        time.sleep(before)
        began = time.monotonic()
        result = roll_it()
        ended = time.monotonic()
        time.sleep(after)
        load.wait_consumed(timeout=180)
    finally:
        load.stop()
    return load, result, began, ended
