"""The whole rolling restart, once, in Python (control node): decide per broker, resume,
order, each turn (machine.roll), the final check, the state file and the report.

The kafka_roll action calls run_roll() with one BrokerHost per host of the play and a
ServiceController per broker (its systemd over that host's own Ansible connection); the
tests call it with the simulated cluster. Nothing of the roll is decided in the role.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from .admin import (
    AdminError,
    ClusterSnapshot,
    KafkaAdmin,
    QuorumSource,
    QuorumState,
    parse_quorum_replication,
)
from .batches import batch_limit
from .batches import describe as describe_batches
from .batches import plan as plan_batches
from .decide import Selection, decide
from .kafka_quorum import QuorumUnavailableError
from .machine import (
    Clock,
    RestartError,
    RollFailedError,
    RollHooks,
    RollSettings,
    ServiceController,
    roll,
)
from .report import BrokerReport

MAP_COUNT_NOTE = (
    "vm.max_map_count takes effect without a restart: the kernel checks it at every mmap, "
    "so running brokers use a raised limit at once. Only a changed open-file limit or "
    "environment needs a broker restart."
)
# The report's per-broker seconds, in the order the phases happen (report key, timing key).
SECONDS = (
    ("gate", "gate"),
    ("stop", "stop"),
    ("unit_start", "unit_start"),
    ("registered", "start"),
    ("catch_up", "catch_up"),
    ("election", "election"),
)


@dataclass(frozen=True)
class BrokerHost:
    """One host of the play, as its own task saw it (its variables templated by Ansible)."""

    host: str
    report: object  # ansible_facts.kafka_vmtune (the host report), None without facts
    restart_due: object
    listed: bool
    node_id: object = None  # kafka_vmtune_node_id
    rack: str | None = None  # kafka_vmtune_rack (the broker's broker.rack)


@dataclass(frozen=True)
class RunOptions:
    policy: str
    report_dir: Path  # <kafka_vmtune_report_dir>/rolling-restart
    bootstrap_servers: str
    settings: RollSettings
    required_process: Mapping[str, Any] = field(default_factory=dict)
    started_at: float | None = None  # kafka_vmtune_roll_started_at
    quorum_command: str = ""
    quorum_max_lag: int = 100
    quorum_max_stale_ms: int = 30000
    check_mode: bool = False
    batch: object = 1  # kafka_vmtune_restart_batch: 1, "auto" or a ceiling


class Fleet(ServiceController):
    """The brokers' service managers by node id, plus running a command on a broker."""

    parallel = True  # one host per broker: a batch's stops and starts run at once

    def __init__(self, services: Mapping[int, ServiceController]) -> None:
        self.services = dict(services)

    def stop(self, node_id: int) -> None:
        self.services[node_id].stop(node_id)

    def start(self, node_id: int) -> None:
        self.services[node_id].start(node_id)

    def is_running(self, node_id: int) -> bool:
        return self.services[node_id].is_running(node_id)

    def failure(self, node_id: int) -> str | None:
        return self.services[node_id].failure(node_id)


@dataclass
class Outcome:
    lines: list[str]  # what the operator reads, in order
    failed: bool = False
    message: str = ""
    restarted: list[str] = field(default_factory=list)  # hosts
    report: Path | None = None  # the JSON report (None: nothing was written)


# -- the state file ------------------------------------------------------------------------


def read_state(path: Path) -> dict[str, Any] | None:
    """The resume state, validated; None when there is none. A state an operator or a crash
    left broken is an error naming the file and what is wrong, never a guess."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        state = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            "fix it, or remove it to start a new roll"
        ) from None
    if not isinstance(state, dict):
        raise InputError(f"{path}: must be a JSON object, got {type(state).__name__}")
    started = state.get("started_at")
    if isinstance(started, bool) or not isinstance(started, (int, float)):
        raise InputError(f"{path}: started_at must be epoch seconds, got {started!r}")
    if not math.isfinite(started) or started <= 0:
        raise InputError(f"{path}: started_at must be epoch seconds, got {started!r}")
    if not isinstance(state.get("completed", False), bool):
        raise InputError(f"{path}: completed must be true or false, got {state['completed']!r}")
    return state


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Whole or not at all: a roll stopped mid-write never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def run_id_of(started_at: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started_at))


# -- the report ----------------------------------------------------------------------------


def record(
    host: str, broker: BrokerReport, began: float, ended: float, extra: Mapping[str, Any]
) -> dict[str, Any]:
    """One broker's line of the roll report (JSON)."""
    t = broker.timings
    stopped = began + t["gate"] if "stop" in t and "gate" in t else None
    restarted = broker.outcome in ("restarted", "recovered")
    return {
        "host": host,
        "node_id": broker.node_id,
        "outcome": "failed" if broker.outcome == "failed" else "restarted",
        "error": broker.error,
        "was_controller": broker.was_controller,
        "began_at": began,
        "finished_at": ended,
        "stopped_at": (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stopped)) if stopped else None
        ),
        "seconds": {key: (round(t[k], 3) if k in t else None) for key, k in SECONDS},
        "partitions_led_before": len(broker.partitions_led_before),
        "partitions_led_after": len(broker.partitions_led_after) if restarted else None,
        "partitions_elected": len(broker.elected),
        "waits": list(broker.waits),
        **extra,
    }


def line_of(r: Mapping[str, Any], warnings: Sequence[str] = ()) -> str:
    """'broker 2 (b2): restarted; gate 0.1s, stop 12.3s, ...; led 34 partition(s) ...'."""
    times = ", ".join(f"{k} {v:.1f}s" for k, v in r["seconds"].items() if v is not None)
    text = (
        f"broker {r['node_id']} ({r['host']}{', active controller' if r['was_controller'] else ''})"
        f": {r['outcome']}; {times}; led {r['partitions_led_before']} partition(s) before"
    )
    if r["partitions_led_after"] is not None:
        text += f", {r['partitions_led_after']} after"
    if r["waits"]:
        text += f"; waited: {' | '.join(r['waits'])}"
    if warnings:
        text += f"; WARNING: {'; '.join(warnings)}"
    if r["error"]:
        text += f"; error: {r['error']}"
    return text


def markdown(doc: Mapping[str, Any]) -> str:
    """The roll report for people (the JSON's content)."""
    order = ", ".join(f"{h} #{n}" for h, n in zip(doc["order"], doc["node_order"]))
    began = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(doc["started_at"]))
    out = [
        f"# Rolling restart {doc['run_id']}",
        "",
        f"- Outcome: **{doc['outcome']}**",
        f"- Policy: `{doc['policy']}`{' (resumed roll)' if doc['resumed'] else ''}",
        f"- Began: {began}",
        f"- Order: {order}",
    ]
    if doc["skipped"]:
        out.append(f"- Not restarted: {'; '.join(doc['skipped'])}")
    keys = [key for key, _k in SECONDS]
    out += [
        "",
        "| Broker | Node | Outcome | Gate s | Stop s | Unit start s | Registered s | Catch-up s "
        "| Election s | Led before | Led after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in doc["brokers"]:
        cells = [f"{r['seconds'][k]:.1f}" if r["seconds"][k] is not None else "-" for k in keys]
        after = r["partitions_led_after"]
        out.append(
            f"| {r['host']}{' (controller)' if r['was_controller'] else ''} | {r['node_id']} "
            f"| {r['outcome']} | {' | '.join(cells)} | {r['partitions_led_before']} "
            f"| {after if after is not None else '-'} |"
        )
    waits = [f"- {r['host']}: {w}" for r in doc["brokers"] for w in r["waits"]]
    if waits:
        out += ["", "## Waits", "", *waits]
    errors = [
        f"- {r['host']} (node {r['node_id']}): {r['error']}" for r in doc["brokers"] if r["error"]
    ]
    if errors:
        out += ["", "## Errors", "", *errors]
    return "\n".join(out) + "\n"


# -- the run -------------------------------------------------------------------------------


class QuorumAdmin:
    """The admin, with the KRaft quorum: read through the admin (DescribeQuorum), or on a
    broker host (kafka_vmtune_quorum_command), when a gate asks (RollHooks.quorum); the last
    reading otherwise.

    A cluster whose quorum cannot be read this way at all (ZooKeeper, no DESCRIBE on
    CLUSTER, a security setting kafka-python lacks) rolls with the broker and partition
    gates only and says so through `unavailable`; without it (the quorum is required) the
    error stands, and the gate waits and then stops naming it."""

    def __init__(
        self,
        inner: KafkaAdmin,
        read: Callable[[int], QuorumState] | None,
        unavailable: Callable[[str], None] | None = None,
    ) -> None:
        self.inner, self._read, self._unavailable = inner, read, unavailable
        self.quorum: QuorumState | None = None

    def refresh(self, node_id: int) -> None:
        if self._read is None:
            return
        try:
            self.quorum = self._read(node_id)
        except QuorumUnavailableError as exc:
            if self._unavailable is None:
                raise
            self._read, self.quorum = None, None
            self._unavailable(
                f"The KRaft quorum is not read ({exc}); "
                "the gates check brokers and partitions only."
            )

    def snapshot(self) -> ClusterSnapshot:
        snap = self.inner.snapshot()
        return snap if self.quorum is None else replace(snap, quorum=self.quorum)

    def elect_preferred(self, partitions: Sequence[Any]) -> Any:
        return self.inner.elect_preferred(partitions)


class _Recorder(RollHooks):
    """Writes the state file once the order is known and the report after every broker."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.began_at: dict[int, float] = {}

    def ordered(self, order: Sequence[int], batches: Sequence[str] = ()) -> None:
        run = self.run
        run.order = list(order)
        run.write_state(completed=False)
        resumed = f"; resuming the roll begun {run.run_id}" if run.resumed else ""
        how = f"in {len(batches)} batch(es)" if batches else "one at a time"
        run.lines.append(
            f"Rolling {len(order)} broker(s) {how}, in this order: "
            + ", ".join(f"{run.host_of[n]} #{n}" for n in order)
            + f" (active controller last){resumed}."
        )
        run.lines += list(batches)
        run.batches = list(batches)

    def quorum(self, snapshot: ClusterSnapshot, node_id: int) -> ClusterSnapshot:
        admin = self.run.admin
        if not isinstance(admin, QuorumAdmin):
            return snapshot
        admin.refresh(node_id)
        return snapshot if admin.quorum is None else replace(snapshot, quorum=admin.quorum)

    def began(self, node_id: int) -> None:
        self.began_at[node_id] = time.time()

    def ended(self, report: BrokerReport) -> None:
        self.run.add(report, self.began_at.get(report.node_id, time.time()), time.time())


@dataclass
class _Run:
    options: RunOptions
    started_at: float
    resumed: bool
    host_of: dict[int, str]
    skipped: list[str]
    fleet: Fleet
    admin: KafkaAdmin | None = None
    order: list[int] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)  # the batch plan (empty: one at a time)

    @property
    def dir(self) -> Path:
        return self.options.report_dir

    @property
    def run_id(self) -> str:
        return run_id_of(self.started_at)

    @property
    def report_path(self) -> Path:
        return self.dir / f"{self.run_id}.json"

    def write_state(self, completed: bool) -> None:
        _write_json(
            self.dir / "state.json",
            {
                "started_at": self.started_at,
                "run_id": self.run_id,
                "completed": completed,
                "order": self.order,
                "hosts": [self.host_of[n] for n in self.order],
            },
        )

    def add(self, broker: BrokerReport, began: float, ended: float) -> None:
        service = self.fleet.services.get(broker.node_id)
        extra = {"unit_timeout_stop": getattr(service, "timeout_stop", None)}
        r = record(self.host_of[broker.node_id], broker, began, ended, extra)
        self.records = [x for x in self.records if x["host"] != r["host"]] + [r]
        self.lines.append(line_of(r, getattr(service, "warnings", ())))
        self.write_report("failed" if r["outcome"] == "failed" else "running")

    def write_report(self, outcome: str) -> None:
        doc = {
            "schema": 1,
            "kind": "kafka-vmtune rolling restart",
            "run_id": self.run_id,
            "started_at": self.started_at,
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "policy": self.options.policy,
            "resumed": self.resumed,
            "outcome": outcome,
            "order": [self.host_of[n] for n in self.order],
            "node_order": self.order,
            "skipped": self.skipped,
            "batches": self.batches,
            "brokers": self.records,
        }
        _write_json(self.report_path, doc)
        self.report_path.with_suffix(".md").write_text(markdown(doc))


def _decisions(
    hosts: Sequence[BrokerHost], options: RunOptions, started_at: float, resuming: bool
) -> dict[str, Selection]:
    decisions = {}
    for h in hosts:
        try:
            decisions[h.host] = decide(
                options.policy,
                h.report,
                restart_due=h.restart_due,
                listed=h.listed,
                required_process=options.required_process,
                resuming=resuming,
                roll_started_at=started_at,
                node_id=h.node_id,
            )
        except InputError as exc:
            raise InputError(f"{h.host}: {exc}") from None
    return decisions


@dataclass(frozen=True)
class Plan:
    """Who restarts and why, before anything is touched."""

    lines: list[str]
    decisions: dict[str, Selection]
    chosen: list[str]  # hosts, inventory order
    ids: list[int]  # their node ids
    started_at: float
    resuming: bool


def plan(hosts: Sequence[BrokerHost], options: RunOptions) -> Plan:
    """Resume point (state file, or kafka_vmtune_roll_started_at), the decision per host,
    node ids checked. Raises InputError naming what is wrong; changes nothing."""
    state = read_state(options.report_dir / "state.json")
    open_roll = state is not None and not state.get("completed", False)
    resuming = options.started_at is not None or open_roll
    if options.started_at is not None:
        started_at = float(options.started_at)
    elif state is not None and open_roll:
        started_at = float(state["started_at"])
    else:
        started_at = time.time()
    decisions = _decisions(hosts, options, started_at, resuming)
    lines = [MAP_COUNT_NOTE]
    for h in hosts:
        d = decisions[h.host]
        lines.append(f"{h.host}: {'restart' if d.selected else 'no restart'} ({d.reason})")
    chosen = [h.host for h in hosts if decisions[h.host].selected]
    for host in chosen:
        if decisions[host].node_id is None:
            raise InputError(
                f"{host} must restart ({decisions[host].reason}) but its Kafka node id is "
                "unknown: gather facts with the kafka_facts role (tune-vm.yml does) or set "
                "kafka_vmtune_node_id for this host."
            )
    ids = [int(decisions[h].node_id or 0) for h in chosen]
    if len(set(ids)) != len(ids):
        pairs = ", ".join(f"{h}={n}" for h, n in zip(chosen, ids))
        raise InputError(
            f"Two inventory hosts have the same Kafka node id ({pairs}): fix "
            "kafka_vmtune_node_id or the brokers' node.id before rolling."
        )
    return Plan(lines, decisions, chosen, ids, started_at, resuming)


def run_roll(
    hosts: Sequence[BrokerHost],
    options: RunOptions,
    services: Callable[[Mapping[int, str]], Mapping[int, ServiceController]],
    connect: Callable[[], KafkaAdmin],
    clock: Clock,
    *,
    run_on: Callable[[str, str], tuple[int, str]] | None = None,
) -> Outcome:
    """The roll. services(host_of) gives each chosen broker's service manager; connect()
    the admin; run_on(host, command) runs a command on a host (the quorum command).
    Raises InputError on bad input, before anything changes."""
    planned = plan(hosts, options)
    lines, decisions, chosen, ids = planned.lines, planned.decisions, planned.chosen, planned.ids
    started_at, resuming = planned.started_at, planned.resuming
    if not chosen:
        resumed = "; brokers of the resumed roll already restarted were skipped"
        lines.append(
            f"No broker needs a restart (policy {options.policy}): nothing was stopped"
            f"{resumed if resuming else ''}."
        )
        return Outcome(lines)
    limit = batch_limit(options.batch)
    if options.check_mode:
        return _dry_run(planned, hosts, options, limit, connect)
    if not options.bootstrap_servers:
        raise InputError(
            "kafka_vmtune_bootstrap_servers is empty: the gates ask the cluster from the "
            "control node before any broker is stopped; set it (host:port,host:port)."
        )
    host_of = dict(zip(ids, chosen))
    down = [n for n, h in host_of.items() if decisions[h].down]
    not_chosen = [h.host for h in hosts if not decisions[h.host].selected]
    run = _Run(
        options,
        started_at,
        resuming,
        host_of,
        [f"{h}: {decisions[h].reason}" for h in not_chosen],
        Fleet(services(host_of)),
        lines=lines,
    )
    racks = {n: r for n in ids for h in hosts if h.host == host_of[n] and (r := h.rack)}
    return _execute(run, ids, down, connect, clock, run_on=run_on, batch=(limit, racks))


def _dry_run(
    planned: Plan,
    hosts: Sequence[BrokerHost],
    options: RunOptions,
    limit: int | None,
    connect: Callable[[], KafkaAdmin],
) -> Outcome:
    """Check mode: who would restart; with batches, the batches from the cluster's
    partition map now, and why each broker is in its batch. Stops and starts nothing."""
    lines, chosen = planned.lines, planned.chosen
    if limit == 1:
        lines.append(
            f"Check mode: would restart {', '.join(chosen)} one at a time (order decided at "
            "run time, active controller last); nothing is stopped in check mode."
        )
        return Outcome(lines)
    host_of = dict(zip(planned.ids, chosen))
    racks = {n: h.rack for n in planned.ids for h in hosts if h.host == host_of[n] and h.rack}
    down = [n for n, h in host_of.items() if planned.decisions[h].down]
    try:
        snap = connect().snapshot()
    except AdminError as exc:
        lines.append(
            f"Check mode: would restart {', '.join(chosen)} in safe batches, planned at run "
            f"time (the cluster could not be asked now: {exc}); nothing is stopped."
        )
        return Outcome(lines)
    batches = plan_batches(
        snap,
        planned.ids,
        limit,
        racks=racks,
        controller_last=options.settings.controller_last,
        down=down,
    )
    lines.append(
        f"Check mode: would restart {', '.join(chosen)} in {len(batches)} batch(es), planned "
        "from the partition map now (re-planned at run time); nothing is stopped:"
    )
    lines += describe_batches(batches)
    return Outcome(lines)


def _execute(
    run: _Run,
    ids: list[int],
    down: list[int],
    connect: Callable[[], KafkaAdmin],
    clock: Clock,
    *,
    run_on: Callable[[str, str], tuple[int, str]] | None,
    batch: tuple[int | None, dict[int, str]] = (1, {}),
) -> Outcome:
    """Connect, roll, and close the state file, the report and the admin whatever happens."""
    options, host_of = run.options, run.host_of
    with contextlib.ExitStack() as opened:
        try:
            inner = connect()
            if isinstance(inner, QuorumSource):
                opened.callback(inner.close)
            read: Callable[[int], QuorumState] | None = None
            if options.quorum_command and run_on is not None:
                read = _quorum_reader(options, host_of, run_on)
            elif isinstance(inner, QuorumSource):
                read = _through(inner, options)
            required = options.settings.require_quorum
            run.admin = QuorumAdmin(inner, read, None if required else run.lines.append)
            if read is not None and options.settings.controller_last:
                run.admin.refresh(ids[0])  # the exact active controller, for the order
        except (AdminError, InputError) as exc:
            run.order = ids
            run.write_state(completed=False)
            run.write_report("failed")
            return _stopped(run, f"before any broker was stopped: {exc}")
        recorder = _Recorder(run)
        try:
            report = roll(
                run.admin,
                run.fleet,
                ids,
                options.settings,
                clock,
                down=down,
                hooks=recorder,
                batch=batch[0],
                racks=batch[1],
            )
        except RollFailedError as exc:
            run.write_report("failed")
            return _stopped(run, _where(exc.cause, host_of) + str(exc.cause))
        except InputError as exc:  # e.g. the quorum command's output was not a quorum
            run.write_report("failed")
            return _stopped(run, str(exc))
    run.write_report("ok")
    run.write_state(completed=True)
    hosts_in_order = [host_of[n] for n in report.order]
    restarted = [r["host"] for r in run.records if r["outcome"] == "restarted"]
    run.lines.append(
        f"Rolling restart complete: {len(restarted)} broker(s) restarted "
        f"({', '.join(hosts_in_order)}); report {run.report_path} and .md"
    )
    return Outcome(run.lines, restarted=restarted, report=run.report_path)


def _where(cause: RestartError, host_of: Mapping[int, str]) -> str:
    host = host_of.get(cause.node_id)
    return f"at broker {cause.node_id} ({host}): " if host else ""


def _stopped(run: _Run, why: str) -> Outcome:
    message = (
        f"Rolling restart stopped {why}. No further broker was touched. Fix the cause and "
        "re-run the same command: brokers already restarted in this roll are skipped "
        f"(state in {run.dir / 'state.json'})."
    )
    run.lines.append(message)
    restarted = [r["host"] for r in run.records if r["outcome"] == "restarted"]
    return Outcome(run.lines, True, message, restarted, run.report_path)


def _through(source: QuorumSource, options: RunOptions) -> Callable[[int], QuorumState]:
    """The quorum through the admin itself (DescribeQuorum): any broker answers for all."""
    return lambda _node_id: source.read_quorum(options.quorum_max_lag, options.quorum_max_stale_ms)


def _quorum_reader(
    options: RunOptions, host_of: Mapping[int, str], run_on: Callable[[str, str], tuple[int, str]]
) -> Callable[[int], QuorumState]:
    def read(node_id: int) -> QuorumState:
        rc, out = run_on(host_of[node_id], options.quorum_command)
        if rc != 0:
            raise AdminError(f"kafka_vmtune_quorum_command on {host_of[node_id]} failed: {out}")
        return parse_quorum_replication(out, options.quorum_max_lag, options.quorum_max_stale_ms)

    return read
