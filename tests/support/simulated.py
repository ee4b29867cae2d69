"""A simulated Kafka cluster behind the same interfaces as the real one (KafkaAdmin and
ServiceController), driven by a virtual clock, for tests and benches where no broker exists.

What it models: controlled shutdown (leadership moves to another in-sync replica, the
broker leaves every ISR and is fenced), process exit after a shutdown delay, registration
after a start delay, ISR rejoin after a catch-up delay, min.insync.replicas, preferred
elections that only succeed when the preferred replica is registered and in sync, and a
KRaft combined-mode quorum whose leader (the active controller) moves when it stops.
Faults are injected through Faults. Every state change runs the invariant checks and any
observers, so a test can assert that no simulated instant broke a rule.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kafka_vmtune.restart.admin import (
    ELECTION_NOT_NEEDED,
    ClusterSnapshot,
    ElectionResult,
    PartitionState,
    QuorumState,
    TopicPartition,
    Voter,
)


class VirtualClock:
    """Time that only moves when someone sleeps; subscribers replay events up to then."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._subscribers: list[Callable[[float], None]] = []

    def now(self) -> float:
        return self._now

    def set(self, t: float) -> None:
        self._now = max(self._now, t)

    def subscribe(self, fn: Callable[[float], None]) -> None:
        self._subscribers.append(fn)

    def sleep(self, seconds: float) -> None:
        target = self._now + max(0.0, seconds)
        for fn in self._subscribers:
            fn(target)
        self._now = target


@dataclass(frozen=True)
class Faults:
    # (partition, replica) out of the ISR at time 0: under-replicated before the roll.
    initial_urp: tuple[tuple[TopicPartition, int], ...] = ()
    urp_clears_at: float | None = None  # when those replicas rejoin; None: never
    never_exits: frozenset[int] = frozenset()  # stop hangs: the process never exits
    never_returns: frozenset[int] = frozenset()  # starts, never registers
    start_fails: frozenset[int] = frozenset()  # the process exits 1 s after start (unit failed)
    never_catches_up: frozenset[int] = frozenset()  # registers, never rejoins an ISR
    election_fails: frozenset[int] = frozenset()  # elections to this broker fail
    crash_at: tuple[float, int] | None = None  # (time, broker): dies without warning
    controller_moves_at: tuple[float, int] | None = None  # (time, new active controller)


@dataclass
class _Broker:
    running: bool = True
    registered: bool = True
    start_time: float = 0.0
    starts: int = 0


@dataclass
class _Partition:
    replicas: tuple[int, ...]
    isr: list[int]
    leader: int | None


@dataclass
class Event:
    t: float
    what: str


@dataclass
class SimCluster:
    """Implements KafkaAdmin and ServiceController. Build with SimCluster.build()."""

    clock: VirtualClock
    brokers: dict[int, _Broker]
    parts: dict[TopicPartition, _Partition]
    min_isr: dict[str, int]
    default_min_isr: int
    voters: tuple[int, ...]  # combined-mode KRaft voters; empty: no quorum (ZooKeeper-like)
    controller: int | None
    faults: Faults
    stop_delay: float
    start_delay: float
    catchup_delay: Mapping[int, float]
    log: list[Event] = field(default_factory=list)
    violations: list[Event] = field(default_factory=list)
    stops: list[int] = field(default_factory=list)  # brokers stopped by the service, in order
    max_down: int = 0
    observers: list[Callable[[SimCluster], None]] = field(default_factory=list)
    _queue: list[tuple[float, int, Callable[[], None]]] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    def build(
        cls,
        broker_ids: Iterable[int],
        partitions: Iterable[tuple[str, int, Sequence[int]]],
        *,
        clock: VirtualClock | None = None,
        min_isr: Mapping[str, int] | None = None,
        default_min_isr: int = 2,
        voters: Iterable[int] = (),
        leaders: Mapping[TopicPartition, int] | None = None,
        faults: Faults | None = None,
        stop_delay: float = 4.0,
        start_delay: float = 10.0,
        catchup_delay: float | Mapping[int, float] = 20.0,
    ) -> SimCluster:
        ids = sorted(set(broker_ids))
        delays = (
            dict(catchup_delay)
            if isinstance(catchup_delay, Mapping)
            else dict.fromkeys(ids, float(catchup_delay))
        )
        parts = {
            TopicPartition(t, p): _Partition(tuple(reps), list(reps), reps[0])
            for t, p, reps in partitions
        }
        for tp, leader in (leaders or {}).items():
            parts[tp].leader = leader
        voter_ids = tuple(sorted(voters))
        sim = cls(
            clock=clock or VirtualClock(),
            brokers={i: _Broker() for i in ids},
            parts=parts,
            min_isr=dict(min_isr or {}),
            default_min_isr=default_min_isr,
            voters=voter_ids,
            controller=voter_ids[0] if voter_ids else (ids[0] if ids else None),
            faults=faults or Faults(),
            stop_delay=stop_delay,
            start_delay=start_delay,
            catchup_delay=delays,
        )
        sim.clock.subscribe(sim._advance_to)
        sim._inject_initial_faults()
        return sim

    # -- time ---------------------------------------------------------------------------

    def _at(self, t: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (t, next(self._seq), action))

    def _advance_to(self, target: float) -> None:
        while self._queue and self._queue[0][0] <= target:
            t, _, action = heapq.heappop(self._queue)
            self.clock.set(t)
            action()

    def _note(self, what: str) -> None:
        self.log.append(Event(self.clock.now(), what))

    def _changed(self) -> None:
        down = [n for n, b in self.brokers.items() if not b.registered]
        self.max_down = max(self.max_down, len(down))
        for tp, p in self.parts.items():
            if p.leader is None:
                self._violate(f"{tp} offline")
            elif len(p.isr) < self.min_isr_for(tp.topic):
                self._violate(f"{tp} ISR {sorted(p.isr)} below min.insync.replicas")
        for fn in self.observers:
            fn(self)

    def _violate(self, what: str) -> None:
        self.violations.append(Event(self.clock.now(), what))

    def min_isr_for(self, topic: str) -> int:
        return self.min_isr.get(topic, self.default_min_isr)

    # -- faults -------------------------------------------------------------------------

    def _inject_initial_faults(self) -> None:
        f = self.faults
        for tp, replica in f.initial_urp:
            part = self.parts[tp]
            if replica in part.isr and len(part.isr) > 1:
                part.isr.remove(replica)
                if part.leader == replica:
                    part.leader = part.isr[0]
        if f.initial_urp and f.urp_clears_at is not None:
            self._at(f.urp_clears_at, self._clear_initial_urp)
        if f.crash_at is not None:
            t, node = f.crash_at
            self._at(t, lambda: self._go_down(node, controlled=False))
        if f.controller_moves_at is not None:
            t, node = f.controller_moves_at
            self._at(t, lambda: self._move_controller(node))

    def _clear_initial_urp(self) -> None:
        for tp, replica in self.faults.initial_urp:
            part = self.parts[tp]
            if self.brokers[replica].registered and replica not in part.isr:
                part.isr.append(replica)
        self._note("initial under-replicated partitions caught up")
        self._changed()

    def _move_controller(self, node: int) -> None:
        self._note(f"active controller moves from {self.controller} to {node}")
        self.controller = node
        self._changed()

    # -- broker lifecycle -----------------------------------------------------------------

    def _go_down(self, node: int, *, controlled: bool) -> None:
        b = self.brokers[node]
        if not b.registered and not b.running:
            return
        self._note(f"broker {node} {'controlled shutdown' if controlled else 'crashed'}")
        b.registered = False
        if not controlled:
            b.running = False
        for p in self.parts.values():
            if node not in p.replicas:
                continue
            if node in p.isr and len(p.isr) > 1:
                p.isr.remove(node)  # Kafka never shrinks an ISR to empty
            if p.leader == node:
                alive = [r for r in p.isr if r != node and self.brokers[r].registered]
                p.leader = alive[0] if alive else None
        if self.controller == node:
            candidates = [
                v for v in (self.voters or tuple(self.brokers)) if self.brokers[v].registered
            ]
            self.controller = candidates[0] if candidates else None
            self._note(f"active controller moves to {self.controller}")
        self._changed()

    def _exit(self, node: int) -> None:
        self.brokers[node].running = False
        self._note(f"broker {node} process exited")

    def _register(self, node: int) -> None:
        if not self.brokers[node].running:
            return
        self.brokers[node].registered = True
        self._note(f"broker {node} registered and unfenced")
        for p in self.parts.values():
            if p.leader is None and p.isr == [node]:
                p.leader = node  # the last in-sync replica brings an offline partition back
        if node not in self.faults.never_catches_up:
            self._at(
                self.clock.now() + self.catchup_delay.get(node, 0.0), lambda: self._catch_up(node)
            )
        self._changed()

    def _catch_up(self, node: int) -> None:
        if not self.brokers[node].registered:
            return
        for p in self.parts.values():
            if node in p.replicas and node not in p.isr and p.leader is not None:
                p.isr.append(node)
        self._note(f"broker {node} back in the ISR of its partitions")
        self._changed()

    # -- ServiceController ----------------------------------------------------------------

    def stop(self, node_id: int) -> None:
        others_down = [n for n, b in self.brokers.items() if n != node_id and not b.registered]
        if others_down:
            self._violate(f"broker {node_id} stopped while {others_down} down")
        urp = [str(tp) for tp, p in self.parts.items() if len(p.isr) < len(p.replicas)]
        if urp:
            self._violate(f"broker {node_id} stopped while {urp} under-replicated")
        self.stops.append(node_id)
        if not self.brokers[node_id].running:
            return
        self._go_down(node_id, controlled=True)
        if node_id not in self.faults.never_exits:
            self._at(self.clock.now() + self.stop_delay, lambda: self._exit(node_id))

    def start(self, node_id: int) -> None:
        b = self.brokers[node_id]
        if b.running:
            return
        b.running, b.start_time, b.starts = True, self.clock.now(), b.starts + 1
        self._note(f"broker {node_id} process started")
        if node_id in self.faults.start_fails:
            self._at(self.clock.now() + 1.0, lambda: self._exit(node_id))
        elif node_id not in self.faults.never_returns:
            self._at(self.clock.now() + self.start_delay, lambda: self._register(node_id))

    def is_running(self, node_id: int) -> bool:
        return self.brokers[node_id].running

    def failure(self, node_id: int) -> str | None:
        """What systemd would say about a unit whose process exited after its start."""
        b = self.brokers[node_id]
        if b.running or not b.starts:
            return None
        return (
            f"unit kafka.service failed (ActiveState=failed SubState=failed Result=exit-code "
            f"ExecMainStatus=1); last journal lines: broker {node_id} exited during start"
        )

    def process_start_time(self, node_id: int) -> float:
        return self.brokers[node_id].start_time

    # -- KafkaAdmin -------------------------------------------------------------------------

    def snapshot(self) -> ClusterSnapshot:
        quorum = None
        if self.voters:
            quorum = QuorumState(
                leader_id=self.controller,
                voters=tuple(Voter(v, self.brokers[v].registered) for v in self.voters),
            )
        return ClusterSnapshot(
            brokers=frozenset(n for n, b in self.brokers.items() if b.registered),
            partitions=tuple(
                PartitionState(tp.topic, tp.partition, p.replicas, tuple(p.isr), p.leader)
                for tp, p in sorted(self.parts.items())
            ),
            min_isr=dict(self.min_isr),
            default_min_isr=self.default_min_isr,
            controller_id=self.controller,
            quorum=quorum,
        )

    def elect_preferred(self, partitions: Sequence[TopicPartition]) -> list[ElectionResult]:
        results = []
        for tp in partitions:
            p = self.parts.get(tp)
            if p is None:
                results.append(ElectionResult(tp, "UNKNOWN_TOPIC_OR_PARTITION"))
                continue
            pref = p.replicas[0]
            if pref in self.faults.election_fails:
                results.append(ElectionResult(tp, "PREFERRED_LEADER_NOT_AVAILABLE (injected)"))
            elif p.leader == pref:
                results.append(ElectionResult(tp, ELECTION_NOT_NEEDED))
            elif self.brokers[pref].registered and pref in p.isr:
                p.leader = pref
                results.append(ElectionResult(tp, None))
            else:
                results.append(ElectionResult(tp, "PREFERRED_LEADER_NOT_AVAILABLE"))
        self._note(f"preferred election for {len(partitions)} partition(s)")
        self._changed()
        return results


def round_robin(
    topics: Mapping[str, int], brokers: Sequence[int], replication: int
) -> list[tuple[str, int, list[int]]]:
    """A layout like Kafka's default assignment: replicas rotate over the brokers."""
    layout = []
    k = 0
    for topic, count in topics.items():
        for p in range(count):
            layout.append((topic, p, [brokers[(k + i) % len(brokers)] for i in range(replication)]))
            k += 1
    return layout
