"""The rolling-restart state machine.

Per broker: GATE -> STOP -> AWAIT_EXIT -> START -> AWAIT_REGISTERED -> AWAIT_CAUGHT_UP ->
ELECT -> VERIFY_LEADERS -> DONE. Every wait is bounded and polls through an injectable
Clock, so the simulation runs on virtual time. Any failure raises a RestartError naming
what blocked; nothing after it runs, so a second broker is never stopped while the first
is unhealthy.

One implementation: restart_broker() is the per-broker sequence, roll_turn() picks the
broker (active controller last, even when it moves mid-roll) and runs it, roll() is the
loop and run_final_check() ends it. Production runs roll() through restart.run.run_roll
(the kafka_roll action); the property and fault tests drive the same roll() against the
simulated cluster. While a broker is out, ClusterWatch notices any other going down.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from ..errors import VmtuneError
from ..settings import ROLL_SETTINGS, roll_default
from .admin import (
    AdminError,
    ClusterSnapshot,
    KafkaAdmin,
    TopicPartition,
    describe_causes,
    election_failed,
)
from .batches import describe as describe_batches
from .batches import plan as plan_batches
from .batches import unsafe_reason
from .gates import (
    QUORUM_UNKNOWN,
    caught_up,
    cluster_healthy,
    leadership_restored,
    missing_brokers,
    outage_cost,
    partition_blockers,
    partitions_to_elect,
    quorum_without,
    registered,
    under_replicated,
)
from .report import BrokerReport, RollReport


class Phase(StrEnum):
    GATE = "gate"
    STOP = "stop"
    AWAIT_EXIT = "await_exit"
    START = "start"
    AWAIT_REGISTERED = "await_registered"
    AWAIT_CAUGHT_UP = "await_caught_up"
    ELECT = "elect"
    VERIFY_LEADERS = "verify_leaders"
    DONE = "done"


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ServiceController(Protocol):
    """The service manager on the broker hosts (systemd in production)."""

    def stop(self, node_id: int) -> None: ...

    def start(self, node_id: int) -> None: ...

    def is_running(self, node_id: int) -> bool: ...

    def failure(self, node_id: int) -> str | None:
        """After start: why the broker's unit is no longer running (its state and last
        journal lines), or None while it runs or is still starting."""
        ...


class RollHooks:
    """What the caller of roll() learns and adds along the way; every method may be a no-op.

    restart.run writes the state file and the report from these, and reads the KRaft
    quorum when a gate needs it."""

    def ordered(self, order: Sequence[int], batches: Sequence[str] = ()) -> None:
        """The roll's order, once, before the first broker; batches: the batch plan's
        lines (empty: one broker at a time)."""

    def quorum(self, snapshot: ClusterSnapshot, node_id: int) -> ClusterSnapshot:
        """snapshot with the KRaft quorum as it is now (read on node_id's host). A gate asks
        only once everything else passes: the read starts a JVM on a broker host, which
        costs seconds and the brokers' CPU."""
        return snapshot

    def began(self, node_id: int) -> None:
        """node_id's turn begins."""

    def ended(self, report: BrokerReport) -> None:
        """node_id's turn ended (report.outcome says how)."""


NO_HOOKS = RollHooks()


@dataclass(frozen=True)
class RollSettings:
    """The roll's timings and switches; defaults from the settings table (ROLL_SETTINGS)."""

    gate_timeout: float = roll_default("restart_gate_timeout")  # gate before a stop
    stop_timeout: float = roll_default("restart_stop_timeout")  # process exit after stop
    start_timeout: float = roll_default("restart_start_timeout")  # registered and unfenced
    catchup_timeout: float = roll_default("restart_catchup_timeout")  # back in every ISR
    election_timeout: float = roll_default("restart_election_timeout")  # leads again
    poll_interval: float = roll_default("restart_poll_interval")  # longest pause between polls
    first_poll: float = 0.1  # the first pause; doubles up to poll_interval (back-off)
    controller_last: bool = bool(ROLL_SETTINGS["restart_controller_last"].default)
    # Block when the KRaft quorum cannot be observed (see gates.QUORUM_UNKNOWN).
    require_quorum: bool = bool(ROLL_SETTINGS["restart_require_quorum"].default)
    # Brokers that must all be registered before any stop. None: the brokers being
    # rolled plus every broker holding a replica.
    expected_brokers: frozenset[int] | None = None


class RestartError(VmtuneError):
    """The roll stopped; message names the broker, the phase and what blocked."""

    def __init__(
        self, node_id: int, phase: Phase, message: str, report: BrokerReport | None = None
    ) -> None:
        super().__init__(message)
        self.node_id = node_id
        self.phase = phase
        self.report = report  # the broker's report up to the failure


class GateBlockedError(RestartError):
    pass


class BrokerDidNotStopError(RestartError):
    pass


class BrokerNotBackError(RestartError):
    pass


class NotCaughtUpError(RestartError):
    pass


class ElectionFailedError(RestartError):
    pass


class ServiceError(RestartError):
    """The service manager refused or failed a stop/start."""


class ClusterUnhealthyError(RestartError):
    pass


class OtherBrokerDownError(RestartError):
    """Another broker or controller voter went down while this turn's broker was out."""


class RollFailedError(VmtuneError):
    """The whole roll stopped; carries the roll report and the failure that stopped it."""

    def __init__(self, message: str, report: RollReport, cause: RestartError) -> None:
        super().__init__(message)
        self.report = report
        self.cause = cause


Check = Callable[[ClusterSnapshot], list[str]]


@dataclass(frozen=True)
class WaitResult:
    snapshot: ClusterSnapshot | None  # the snapshot that passed; None on timeout
    first_reasons: list[str]  # why it had to wait at all (empty: passed at once)
    last_reasons: list[str]  # why it still failed at the timeout
    elapsed: float
    fatal: str | None = None  # why waiting longer is pointless (e.g. the unit failed)
    others: str | None = None  # another broker or voter went down (ClusterWatch)


class Backoff:
    """Pauses between polls: first, then doubling up to cap. A change is noticed within a
    fraction of a second early on, and a long wait asks Kafka only every cap seconds."""

    def __init__(self, first: float, cap: float) -> None:
        self._next, self._cap = min(first, cap), cap

    def pause(self) -> float:
        pause, self._next = self._next, min(self._next * 2, self._cap)
        return pause


@dataclass
class ClusterWatch:
    """While this turn's brokers are out, notices another broker or voter going down.

    A broker seen registered (or a voter seen caught up) since the turn began that is no
    longer is down: waiting on for this turn's broker is pointless (with the quorum gone it
    cannot even register) and the roll must say how many brokers are really out."""

    out: frozenset[int]  # this turn's brokers: stopped or started by the roll
    seen: set[int] = field(default_factory=set)  # other brokers seen registered
    voters_seen: set[int] = field(default_factory=set)  # voters seen caught up
    last: ClusterSnapshot | None = None  # the latest snapshot that answered
    answered: bool = False  # the latest poll answered (else `last` may be stale)

    def look(self, snap: ClusterSnapshot | None) -> str | None:
        """None while no other broker or voter went down; else what happened and its cost.
        snap None: Kafka did not answer this poll."""
        self.answered = snap is not None
        if snap is None:
            return None
        self.last = snap
        self.seen |= snap.brokers - self.out
        up_voters = {v.node_id for v in snap.quorum.voters if v.caught_up} if snap.quorum else set()
        self.voters_seen |= up_voters - self.out
        gone = sorted(self.seen - snap.brokers)
        voters_gone = sorted(self.voters_seen - up_voters - set(gone))
        if not gone and not voters_gone:
            return None
        events = [f"broker {n} went down (no longer registered, or fenced)" for n in gone]
        events += [f"controller voter {n} went down (no longer caught up)" for n in voters_gone]
        return "; ".join([*events, self.brokers_out(snap), *outage_cost(snap, self.out_now(snap))])

    def out_now(self, snap: ClusterSnapshot) -> list[int]:
        return sorted((self.seen | self.out) - snap.brokers)

    def brokers_out(self, snap: ClusterSnapshot) -> str:
        """'2 brokers out: 1 (restarted by this roll), 3 (not by this roll)'."""
        out = self.out_now(snap)
        if not out:
            return "no broker out"
        label = {True: "restarted by this roll", False: "not by this roll"}
        listed = ", ".join(f"{n} ({label[n in self.out]})" for n in out)
        return f"{len(out)} broker{'s' if len(out) != 1 else ''} out: {listed}"

    def stopped_with(self, node_id: int) -> str:
        """How the roll leaves the cluster when it stops at node_id, never fewer out."""
        if self.last is None:
            return "roll stopped; Kafka never answered, so whether other brokers are out is unknown"
        others = [n for n in self.out_now(self.last) if n != node_id]
        told = "only this broker out" if not others else self.brokers_out(self.last)
        if not self.answered:
            return (
                f"roll stopped; Kafka did not answer the last poll, so other brokers may be out "
                f"too (at its last answer: {told})"
            )
        return f"roll stopped with {told}"


def wait_until(
    admin: KafkaAdmin,
    clock: Clock,
    timeout: float,
    settings: RollSettings,
    check: Check,
    *,
    give_up: Callable[[], str | None] | None = None,
    watch: ClusterWatch | None = None,
) -> WaitResult:
    """Poll check until it returns no reasons or timeout passes. An unreachable cluster is
    a reason to wait (the bootstrap broker may be the one restarting), not a pass.
    give_up, asked after every failed poll, returns a reason that ends the wait at once.
    watch looks at every snapshot: another broker or voter going down ends it at once."""
    started = clock.now()
    backoff = Backoff(settings.first_poll, settings.poll_interval)
    first: list[str] = []
    last = False  # the poll after a sleep cut to the time left: whatever it says, the end
    while True:
        try:
            snap: ClusterSnapshot | None = admin.snapshot()
            reasons = check(snap) if snap is not None else []
        except AdminError as exc:
            snap, reasons = None, [f"cannot ask Kafka: {exc}"]
        elapsed = clock.now() - started
        others = watch.look(snap) if watch is not None else None
        if others is not None:
            return WaitResult(None, first or reasons, reasons, elapsed, others=others)
        if not reasons and snap is not None:
            return WaitResult(snap, first, [], elapsed)
        first = first or reasons
        fatal = give_up() if give_up is not None else None
        if fatal is not None or elapsed >= timeout or last:
            return WaitResult(None, first, reasons, clock.now() - started, fatal)
        # Sleeping exactly the time left may not reach the deadline in floating point
        # (a virtual clock at t=1e3 does not move by 1e-14): that poll is the last.
        pause, left = backoff.pause(), timeout - elapsed
        last = left <= pause
        clock.sleep(min(pause, left))


def default_expected(snapshot: ClusterSnapshot, node_ids: Collection[int]) -> frozenset[int]:
    holders = {r for p in snapshot.partitions for r in p.replicas}
    return frozenset(node_ids) | holders


def order_brokers(
    node_ids: Sequence[int],
    active_controller: int | None,
    controller_last: bool = True,
    down: Collection[int] = (),
) -> list[int]:
    """Inventory order, de-duplicated, brokers that are down first (a cluster missing one
    blocks every gate), the active controller last."""
    order = list(dict.fromkeys(node_ids))
    order = [n for n in order if n in down] + [n for n in order if n not in down]
    if controller_last and active_controller in order and active_controller not in down:
        order.remove(active_controller)
        order.append(active_controller)
    return order


def run_gate(
    admin: KafkaAdmin,
    node_id: int,
    settings: RollSettings,
    clock: Clock,
    *,
    report: BrokerReport | None = None,
    node_ids: Collection[int] = (),
    watch: ClusterWatch | None = None,
    hooks: RollHooks = NO_HOOKS,
) -> BrokerReport:
    """GATE: wait until node_id may be stopped, or raise GateBlockedError naming what blocks.
    The snapshot that passes seeds watch: every broker it shows is watched from then on."""
    report = report or BrokerReport(node_id)
    report.phase = Phase.GATE.value
    with_quorum: list[ClusterSnapshot] = []
    reading = _Stopwatch(clock)

    def check(snap: ClusterSnapshot) -> list[str]:
        expected = settings.expected_brokers or default_expected(snap, [*node_ids, node_id])
        reasons = partition_blockers(snap, node_id, expected)
        if reasons:
            return reasons
        with_quorum[:] = [reading.time(lambda: hooks.quorum(snap, node_id))]
        return quorum_without(with_quorum[0], node_id, require_quorum=settings.require_quorum)

    res = wait_until(admin, clock, settings.gate_timeout, settings, check)
    if res.snapshot is not None and with_quorum:
        res = replace(res, snapshot=with_quorum[0])
    report.timings["gate"] = res.elapsed
    report.note_wait("gate", res.elapsed, res.first_reasons)
    reading.note(report)
    if res.snapshot is None:
        report.outcome = "failed"
        report.error = (
            f"broker {node_id} not stopped: safety gate still blocked after "
            f"{settings.gate_timeout:g}s: {'; '.join(res.last_reasons)}"
        )
        raise GateBlockedError(node_id, Phase.GATE, report.error, report)
    if watch is not None:
        watch.look(res.snapshot)
    report.partitions_led_before = [str(tp) for tp in res.snapshot.led_by(node_id)]
    report.was_controller = res.snapshot.active_controller == node_id
    report.outcome = "gate_passed"
    return report


class _Stopwatch:
    """The time a gate spent in RollHooks.quorum (in production a JVM on a broker host)."""

    def __init__(self, clock: Clock) -> None:
        self.clock, self.seconds, self.reads = clock, 0.0, 0

    def time(self, read: Callable[[], ClusterSnapshot]) -> ClusterSnapshot:
        began = self.clock.now()
        try:
            return read()
        finally:
            self.seconds += self.clock.now() - began
            self.reads += 1

    def note(self, *reports: BrokerReport) -> None:
        if self.seconds >= 0.05:  # a hook that read nothing takes no time worth a line
            for r in reports:
                r.note_wait("gate", self.seconds, [f"the KRaft quorum ({self.reads} reading(s))"])


def _fail(
    report: BrokerReport, exc: type[RestartError], phase: Phase, message: str
) -> RestartError:
    report.outcome = "failed"
    report.phase = phase.value
    report.error = message
    return exc(report.node_id, phase, message, report)


def _elect(admin: KafkaAdmin, tps: Sequence[TopicPartition]) -> dict[TopicPartition, str]:
    """Errors per partition of one preferred election (empty: all elected)."""
    try:
        results = admin.elect_preferred(tps)
    except AdminError as exc:
        return dict.fromkeys(tps, f"cannot ask Kafka: {exc}")
    return {r.tp: r.error or "" for r in results if election_failed(r)}


def _fail_after_start(
    report: BrokerReport, res: WaitResult, settings: RollSettings, watch: ClusterWatch
) -> RestartError:
    node_id = report.node_id
    if res.others is not None:
        return _others_down(report, Phase.AWAIT_REGISTERED, res, "register")
    stopped = watch.stopped_with(node_id)
    if res.fatal is not None:
        return _fail(
            report,
            BrokerNotBackError,
            Phase.AWAIT_REGISTERED,
            f"broker {node_id} did not come back: {res.fatal} ({res.elapsed:.1f}s after start); "
            f"{stopped}",
        )
    return _fail(
        report,
        BrokerNotBackError,
        Phase.AWAIT_REGISTERED,
        f"broker {node_id} did not come back: not registered and unfenced "
        f"{settings.start_timeout:g}s after start ({'; '.join(res.last_reasons)}); {stopped}",
    )


def _others_down(report: BrokerReport, phase: Phase, res: WaitResult, waiting: str) -> RestartError:
    """The wait for this turn's broker ended because another broker or voter went down."""
    return _fail(
        report,
        OtherBrokerDownError,
        phase,
        f"stopped waiting for broker {report.node_id} to {waiting} after {res.elapsed:.1f}s: "
        f"{res.others}; the roll stopped and touches no other broker",
    )


def run_after_start(
    admin: KafkaAdmin,
    node_id: int,
    settings: RollSettings,
    clock: Clock,
    *,
    report: BrokerReport | None = None,
    elect: bool = True,
    service: ServiceController | None = None,
    watch: ClusterWatch | None = None,
) -> BrokerReport:
    """AWAIT_REGISTERED -> AWAIT_CAUGHT_UP -> ELECT -> VERIFY_LEADERS for a started broker.

    Leadership is only moved back once the broker is in the ISR of everything it hosts:
    electing a replica that is still catching up stalls acks=all producers. elect=False
    (check mode) stops after the catch-up and lists what would be elected. With service,
    a unit that fails or a process that exits while registering ends the wait at once;
    so does another broker or voter going down (watch, seeded by the gate).
    """
    report = report or BrokerReport(node_id)
    give_up = (lambda: service.failure(node_id)) if service is not None else None
    watch = watch or ClusterWatch(frozenset({node_id}))

    report.phase = Phase.AWAIT_REGISTERED.value
    res = wait_until(
        admin,
        clock,
        settings.start_timeout,
        settings,
        lambda s: registered(s, node_id),
        give_up=give_up,
        watch=watch,
    )
    report.timings["start"] = res.elapsed
    report.note_wait("start", res.elapsed, res.first_reasons)
    if res.snapshot is None:
        raise _fail_after_start(report, res, settings, watch)

    report.phase = Phase.AWAIT_CAUGHT_UP.value
    res = wait_until(
        admin,
        clock,
        settings.catchup_timeout,
        settings,
        lambda s: caught_up(s, node_id),
        watch=watch,
    )
    report.timings["catch_up"] = res.elapsed
    report.note_wait("catch_up", res.elapsed, res.first_reasons)
    if res.others is not None:
        raise _others_down(report, Phase.AWAIT_CAUGHT_UP, res, "catch up")
    if res.snapshot is None:
        raise _fail(
            report,
            NotCaughtUpError,
            Phase.AWAIT_CAUGHT_UP,
            f"broker {node_id} is back but did not catch up within "
            f"{settings.catchup_timeout:g}s: {'; '.join(res.last_reasons)}; "
            "no leadership was moved to it and the roll stopped",
        )

    report.phase = Phase.ELECT.value
    to_elect = partitions_to_elect(res.snapshot, node_id)
    report.elected = [str(tp) for tp in to_elect]
    if not elect:
        report.partitions_led_after = [str(tp) for tp in res.snapshot.led_by(node_id)]
        report.outcome = "would_elect" if to_elect else "caught_up"
        return report
    _elect_and_verify(admin, settings, clock, report, to_elect, watch=watch)
    report.phase = Phase.DONE.value
    report.outcome = "restarted"
    return report


def _elect_and_verify(
    admin: KafkaAdmin,
    settings: RollSettings,
    clock: Clock,
    report: BrokerReport,
    to_elect: Sequence[TopicPartition],
    *,
    watch: ClusterWatch,
) -> None:
    """ELECT -> VERIFY_LEADERS: elect, then re-read at once and with back-off, retrying
    what is still missing (an election can fail while an ISR change propagates)."""
    node_id = report.node_id
    started = clock.now()
    backoff = Backoff(settings.first_poll, settings.poll_interval)
    errors = _elect(admin, to_elect) if to_elect else {}
    report.phase = Phase.VERIFY_LEADERS.value
    first: list[str] = []
    while True:
        try:
            snap: ClusterSnapshot | None = admin.snapshot()
            missing = leadership_restored(snap, node_id) if snap is not None else []
        except AdminError as exc:
            snap, missing = None, [f"cannot ask Kafka: {exc}"]
        elapsed = clock.now() - started
        others = watch.look(snap)
        if others is not None:
            report.timings["election"] = elapsed
            res = WaitResult(None, first, missing, elapsed, others=others)
            raise _others_down(report, Phase.VERIFY_LEADERS, res, "lead its partitions again")
        if not missing and snap is not None:
            break
        first = first or missing
        if elapsed >= settings.election_timeout:
            report.timings["election"] = elapsed
            if errors:
                raise _fail(
                    report,
                    ElectionFailedError,
                    Phase.ELECT,
                    f"preferred leader election for broker {node_id} failed after "
                    f"{settings.election_timeout:g}s: {describe_causes(errors)}; broker "
                    f"{node_id} is in sync, the cluster is healthy but unbalanced; "
                    "the roll stopped",
                )
            raise _fail(
                report,
                ElectionFailedError,
                Phase.VERIFY_LEADERS,
                f"leadership not restored within {settings.election_timeout:g}s: "
                f"{'; '.join(missing)}; the roll stopped",
            )
        clock.sleep(max(0.0, min(backoff.pause(), settings.election_timeout - elapsed)))
        if snap is not None:
            retry = partitions_to_elect(snap, node_id)
            errors = _elect(admin, retry) if retry else {}
    report.timings["election"] = clock.now() - started
    report.note_wait("election", report.timings["election"], first)
    report.partitions_led_after = [str(tp) for tp in snap.led_by(node_id)]


def await_exit(
    service: ServiceController,
    node_id: int,
    settings: RollSettings,
    clock: Clock,
    report: BrokerReport,
) -> None:
    started = clock.now()
    backoff = Backoff(settings.first_poll, settings.poll_interval)
    while service.is_running(node_id):
        elapsed = clock.now() - started
        if elapsed >= settings.stop_timeout:
            report.timings["stop"] = elapsed
            raise _fail(
                report,
                BrokerDidNotStopError,
                Phase.AWAIT_EXIT,
                f"broker {node_id} still running {settings.stop_timeout:g}s after stop; "
                "the roll stopped",
            )
        clock.sleep(max(0.0, min(backoff.pause(), settings.stop_timeout - elapsed)))


def restart_broker(
    admin: KafkaAdmin,
    service: ServiceController,
    node_id: int,
    settings: RollSettings,
    clock: Clock,
    *,
    report: BrokerReport | None = None,
    node_ids: Collection[int] = (),
    hooks: RollHooks = NO_HOOKS,
) -> BrokerReport:
    """The per-broker sequence: gate, stop, process exit, start, registered and unfenced,
    caught up, preferred election, leaders verified. Raises RestartError at the first
    phase that fails; nothing after it runs."""
    report = report or BrokerReport(node_id)
    watch = ClusterWatch(frozenset({node_id}))
    run_gate(
        admin, node_id, settings, clock, report=report, node_ids=node_ids, watch=watch, hooks=hooks
    )
    began = clock.now()
    _service_call(service.stop, node_id, Phase.STOP, report)
    report.phase = Phase.AWAIT_EXIT.value
    await_exit(service, node_id, settings, clock, report)
    report.timings["stop"] = clock.now() - began
    return start_broker(admin, service, node_id, settings, clock, report=report, watch=watch)


def start_broker(
    admin: KafkaAdmin,
    service: ServiceController,
    node_id: int,
    settings: RollSettings,
    clock: Clock,
    *,
    report: BrokerReport | None = None,
    watch: ClusterWatch | None = None,
) -> BrokerReport:
    """Start the broker and see it back: registered and unfenced, caught up, preferred
    leaders elected and verified. The second half of restart_broker, and on its own the
    recovery of a broker that is down (it died; nothing is stopped, so no gate)."""
    report = report or BrokerReport(node_id)
    began = clock.now()
    _service_call(service.start, node_id, Phase.START, report)
    report.timings["unit_start"] = clock.now() - began
    return run_after_start(
        admin, node_id, settings, clock, report=report, service=service, watch=watch
    )


def run_final_check(
    admin: KafkaAdmin,
    node_id: int,
    settings: RollSettings,
    clock: Clock,
    *,
    node_ids: Collection[int] = (),
) -> WaitResult:
    """After the last broker: wait (gate_timeout) until every broker is registered and no
    partition is under-replicated, so a roll never ends 'ok' on a broker that died during
    it. node_id is the last broker restarted, for the message."""

    def check(snap: ClusterSnapshot) -> list[str]:
        expected = settings.expected_brokers or default_expected(snap, node_ids)
        return cluster_healthy(snap, expected)

    res = wait_until(admin, clock, settings.gate_timeout, settings, check)
    if res.snapshot is None:
        raise ClusterUnhealthyError(
            node_id,
            Phase.DONE,
            f"cluster not healthy after {settings.gate_timeout:g}s: {'; '.join(res.last_reasons)}",
        )
    return res


SkipRule = Callable[[int], bool] | Collection[int] | None


def _skipper(skip: SkipRule) -> Callable[[int], bool]:
    if skip is None:
        return lambda _n: False
    if callable(skip):
        return skip
    done = frozenset(skip)
    return lambda n: n in done


def _service_call(
    call: Callable[[int], None], node: int, phase: Phase, report: BrokerReport
) -> None:
    report.phase = phase.value
    try:
        call(node)
    except RestartError:
        raise
    except Exception as exc:  # whatever the service manager raised, it ends the roll
        raise _fail(
            report, ServiceError, phase, f"{phase.value} of broker {node} failed: {exc}"
        ) from exc


def _active_controller(admin: KafkaAdmin) -> int | None:
    try:
        return admin.snapshot().active_controller
    except AdminError:
        return None  # the gate will wait for Kafka and say why


@dataclass(frozen=True)
class Turn:
    """One turn of the roll: the broker it restarted, or the one it moved to the end."""

    node_id: int
    remaining: list[int]  # what is left to restart, in order
    report: BrokerReport | None  # None: deferred, nothing was touched
    note: str | None = None


def roll_turn(
    admin: KafkaAdmin,
    service: ServiceController,
    remaining: Sequence[int],
    settings: RollSettings,
    clock: Clock,
    *,
    node_ids: Collection[int] = (),
    down: Collection[int] = (),
    hooks: RollHooks = NO_HOOKS,
) -> Turn:
    """Restart remaining[0], unless it has become the active controller while others are
    still to go: then it moves to the end untouched (the controller is restarted last).
    A broker in `down` (it died) is started instead: start_broker, the same after-start
    checks, no gate and no stop."""
    node, rest = remaining[0], list(remaining[1:])
    if node in down:
        report = start_broker(admin, service, node, settings, clock)
        report.outcome = "recovered"
        return Turn(node, rest, report)
    if settings.controller_last and rest and _active_controller(admin) == node:
        note = f"active controller is now broker {node}: restarting it last"
        return Turn(node, [*rest, node], None, note)
    report = restart_broker(admin, service, node, settings, clock, node_ids=node_ids, hooks=hooks)
    return Turn(node, rest, report)


def roll(
    admin: KafkaAdmin,
    service: ServiceController,
    node_ids: Sequence[int],
    settings: RollSettings,
    clock: Clock,
    *,
    skip: SkipRule = None,
    down: Collection[int] = (),
    hooks: RollHooks = NO_HOOKS,
    batch: int | None = 1,
    racks: Mapping[int, str] | None = None,
) -> RollReport:
    """Restart node_ids: order (batch 1: one at a time; a ceiling or None: safe batches
    from batches.plan), then one turn per batch until none remain, then the final check.
    skip: node ids (or a predicate) already done when resuming. down: brokers that died,
    started first (recovery). Raises RollFailedError (with the report so far) at the first
    failure; a batch's other brokers are brought back and checked first."""
    is_done = _skipper(skip)
    report = RollReport()
    queue = _turns(admin, node_ids, settings, clock, down=down, batch=batch, racks=racks)
    report.notes.extend(queue.notes)
    report.order = [n for b in queue.batches for n in b]
    hooks.ordered(report.order, queue.notes)
    batches = queue.batches
    restarted: list[int] = []
    turns = len(batches) + 1  # each batch once, one more for a controller that moved
    while batches and turns > 0:
        turns -= 1
        for n in [n for n in batches[0] if is_done(n)]:
            skipped = BrokerReport(n)
            skipped.outcome = skipped.phase = "skipped"
            report.brokers.append(skipped)
        todo = tuple(n for n in batches[0] if not is_done(n))
        if not todo:
            batches.pop(0)
            continue
        rest = [n for b in batches[1:] for n in b]
        try:
            done = _turn(
                admin,
                service,
                todo,
                settings,
                clock,
                rest=rest,
                node_ids=node_ids,
                down=down,
                hooks=hooks,
            )
        except RestartError as exc:
            failed = exc.reports if isinstance(exc, BatchFailedError) else [_failed_report(exc)]
            for r in failed:
                report.brokers.append(r)
                hooks.ended(r)
            report.outcome = "failed"
            report.message = (
                f"stopped at broker {exc.node_id} ({exc.phase.value}): {exc}. "
                f"Restarted: {restarted or 'none'}; not touched: {rest or 'none'}"
            )
            raise RollFailedError(report.message, report, exc) from exc
        if isinstance(done, str):  # the controller moved onto this broker: it goes last
            report.notes.append(done)
            batches.append(batches.pop(0))
            continue
        batches.pop(0)
        for r in done:
            report.brokers.append(r)
            restarted.append(r.node_id)
            hooks.ended(r)
    if batches:  # the controller kept moving onto the next broker: never restart it early
        stuck = GateBlockedError(
            batches[0][0], Phase.GATE, f"active controller kept moving: {batches}"
        )
        report.outcome, report.message = "failed", f"stopped: {stuck}"
        raise RollFailedError(report.message, report, stuck)
    _finish(admin, report, restarted, settings, clock, node_ids=node_ids)
    return report


@dataclass
class _Queue:
    batches: list[tuple[int, ...]]
    notes: list[str]


def _turns(
    admin: KafkaAdmin,
    node_ids: Sequence[int],
    settings: RollSettings,
    clock: Clock,
    *,
    down: Collection[int],
    batch: int | None,
    racks: Mapping[int, str] | None,
) -> _Queue:
    """The roll's turns: one broker each (batch 1), or the safe batches of one snapshot."""
    if batch == 1:
        order = order_brokers(node_ids, _active_controller(admin), settings.controller_last, down)
        return _Queue([(n,) for n in order], [])
    res = wait_until(admin, clock, settings.gate_timeout, settings, lambda _snap: [])
    if res.snapshot is None:
        node = node_ids[0] if node_ids else -1
        stuck = GateBlockedError(
            node, Phase.GATE, f"cannot plan the batches: {'; '.join(res.last_reasons)}"
        )
        raise RollFailedError(f"stopped: {stuck}", RollReport(outcome="failed"), stuck)
    planned = plan_batches(
        res.snapshot,
        node_ids,
        batch,
        racks=racks,
        controller_last=settings.controller_last,
        down=down,
    )
    return _Queue([b.nodes for b in planned], describe_batches(planned))


def _turn(
    admin: KafkaAdmin,
    service: ServiceController,
    todo: tuple[int, ...],
    settings: RollSettings,
    clock: Clock,
    *,
    rest: list[int],
    node_ids: Collection[int],
    down: Collection[int],
    hooks: RollHooks,
) -> list[BrokerReport] | str:
    """One turn: its brokers' reports, or the note that the controller moved onto it."""
    if len(todo) > 1:
        return restart_batch(admin, service, todo, settings, clock, node_ids=node_ids, hooks=hooks)
    hooks.began(todo[0])
    turn = roll_turn(
        admin, service, [todo[0], *rest], settings, clock, node_ids=node_ids, down=down, hooks=hooks
    )
    return [turn.report] if turn.report is not None else turn.note or "deferred"


def _failed_report(exc: RestartError) -> BrokerReport:
    return exc.report if exc.report is not None else BrokerReport(exc.node_id)


def _finish(
    admin: KafkaAdmin,
    report: RollReport,
    restarted: list[int],
    settings: RollSettings,
    clock: Clock,
    *,
    node_ids: Sequence[int],
) -> None:
    try:
        final = run_final_check(
            admin, restarted[-1] if restarted else -1, settings, clock, node_ids=node_ids
        )
    except RestartError as exc:
        report.outcome = "failed"
        report.message = (
            f"stopped at the final check: every broker was restarted but {exc}. "
            f"Restarted: {restarted or 'none'}"
        )
        raise RollFailedError(report.message, report, exc) from exc
    report.notes.extend(
        f"final check: waited {final.elapsed:.1f}s: {r}" for r in final.first_reasons[:1]
    )
    report.outcome = "ok"
    skipped = [b.node_id for b in report.brokers if b.outcome == "skipped"]
    report.message = f"restarted {restarted or 'none'}" + (
        f"; skipped (already done) {skipped}" if skipped else ""
    )
    report.order = [b.node_id for b in report.brokers]


# -- batches ---------------------------------------------------------------------------------


class BatchFailedError(RestartError):
    """A broker of a batch failed; the others of the batch were still brought back."""

    def __init__(self, first: RestartError, reports: list[BrokerReport]) -> None:
        super().__init__(first.node_id, first.phase, str(first), first.report)
        self.reports = reports


def _each(
    service: ServiceController,
    call: Callable[[int], None],
    nodes: Sequence[int],
    phase: Phase,
    reports: dict[int, BrokerReport],
) -> None:
    """call for every broker of a batch; at once (threads) when the service manager says
    its brokers are independent (parallel = True: one host each), else one after another."""
    if not getattr(service, "parallel", False) or len(nodes) == 1:
        for n in nodes:
            _service_call(call, n, phase, reports[n])
        return
    with concurrent.futures.ThreadPoolExecutor(len(nodes)) as pool:
        futures = [pool.submit(_service_call, call, n, phase, reports[n]) for n in nodes]
    for f in futures:
        f.result()  # the first failure, as the serial path would raise it


def restart_batch(
    admin: KafkaAdmin,
    service: ServiceController,
    nodes: Sequence[int],
    settings: RollSettings,
    clock: Clock,
    *,
    node_ids: Collection[int] = (),
    hooks: RollHooks = NO_HOOKS,
) -> list[BrokerReport]:
    """A batch: one gate for all, stop all, every process exited, start all, then each one
    registered, caught up, elected and verified. A broker that fails does not stop the
    others of its batch from being brought back and checked; then BatchFailedError."""
    reports = {n: BrokerReport(n) for n in nodes}
    watch = ClusterWatch(frozenset(nodes))

    with_quorum: list[ClusterSnapshot] = []
    reading = _Stopwatch(clock)

    def check(snap: ClusterSnapshot) -> list[str]:
        expected = settings.expected_brokers or default_expected(snap, [*node_ids, *nodes])
        reasons = missing_brokers(snap, expected) + under_replicated(snap)
        if reasons:  # the quorum is read only once the metadata alone allows the batch
            return reasons
        snap = reading.time(lambda: hooks.quorum(snap, nodes[0]))
        with_quorum[:] = [snap]
        reasons = unsafe_reason(snap, nodes)
        if settings.require_quorum and snap.quorum is None:
            reasons.append(QUORUM_UNKNOWN)
        return reasons

    for n in nodes:
        hooks.began(n)
        reports[n].phase = Phase.GATE.value
    res = wait_until(admin, clock, settings.gate_timeout, settings, check)
    if res.snapshot is not None and with_quorum:
        res = replace(res, snapshot=with_quorum[0])
    names = ", ".join(str(n) for n in nodes)
    for r in reports.values():
        r.timings["gate"] = res.elapsed
        r.note_wait("gate", res.elapsed, res.first_reasons)
    reading.note(*reports.values())
    if res.snapshot is None:
        message = (
            f"brokers {names} not stopped: safety gate still blocked after "
            f"{settings.gate_timeout:g}s: {'; '.join(res.last_reasons)}"
        )
        for r in reports.values():
            r.outcome, r.error = "failed", message
        first = GateBlockedError(nodes[0], Phase.GATE, message, reports[nodes[0]])
        raise BatchFailedError(first, list(reports.values()))
    watch.look(res.snapshot)
    for n, r in reports.items():
        r.partitions_led_before = [str(tp) for tp in res.snapshot.led_by(n)]
        r.was_controller = res.snapshot.active_controller == n
    began = clock.now()
    try:
        _each(service, service.stop, nodes, Phase.STOP, reports)
        for n in nodes:
            reports[n].phase = Phase.AWAIT_EXIT.value
            await_exit(service, n, settings, clock, reports[n])
    except RestartError as exc:
        raise BatchFailedError(exc, list(reports.values())) from exc
    for r in reports.values():
        r.timings["stop"] = clock.now() - began
    return _back_after_start(admin, service, nodes, settings, clock, reports=reports, watch=watch)


def _back_after_start(
    admin: KafkaAdmin,
    service: ServiceController,
    nodes: Sequence[int],
    settings: RollSettings,
    clock: Clock,
    *,
    reports: dict[int, BrokerReport],
    watch: ClusterWatch,
) -> list[BrokerReport]:
    """Start all, then see each one back; a failure does not stop the others' checks."""
    began = clock.now()
    failures: list[RestartError] = []
    try:
        _each(service, service.start, nodes, Phase.START, reports)
    except RestartError as exc:
        failures.append(exc)
    for n in nodes:  # the starts ran together: each took the batch's start time
        reports[n].timings["unit_start"] = clock.now() - began
    for n in nodes:
        if reports[n].outcome == "failed":
            continue
        try:
            run_after_start(
                admin, n, settings, clock, report=reports[n], service=service, watch=watch
            )
        except RestartError as exc:
            failures.append(exc)
    if failures:
        raise BatchFailedError(failures[0], list(reports.values()))
    return list(reports.values())
