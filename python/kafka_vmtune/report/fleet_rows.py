"""The fleet report's row model: one typed row per host, read from its host report.

Input per host (contracts.HostEntry, what the playbooks collect from hostvars):
  {"state": "reported" | "unreachable" | "failed", "report": <host report> | None,
   "error": str | None, "change": <change record> | None}
A host that could not be read is a row of its own, never a silent success.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..contracts import SCHEMA as HOST_SCHEMA
from ..contracts import HostEntry, HostReport
from .ansible_cause import cause
from .fleet_change import describe_change

# Row states, worst first: the summary, the sort and the exit decision read them in this order.
STATES = ("unreachable", "failed", "down", "critical", "warn", "no-kafka", "ok")


class Measured(NamedTuple):
    """The columns read from a host report; all None for a host that was not read."""

    kafka: bool | None = None
    version: str | None = None
    live: int | None = None  # vm.max_map_count the kernel enforces now
    boot_value: int | None = None
    used: int | None = None
    index_areas: int | None = None
    leaked: int | None = None
    deleted: int | None = None
    threads: int | None = None
    nofile: int | None = None
    nofile_recommended: int | None = None
    required: int | None = None
    recommended: int | None = None
    level: str | None = None
    used_ratio: float | None = None
    reasons: tuple[str, ...] = ()
    read_only: bool | None = None
    proc_sys: str | None = None
    overridden_by: tuple[str, ...] = ()
    crashes: int | None = None
    last_crash: str | None = None


class HostRow(NamedTuple):
    """One host of the fleet report, whatever happened to it."""

    host: str
    state: str  # one of STATES
    error: str | None
    measured: Measured
    change: str  # what tune-vm.yml did or would do, in words ("-": nothing known)
    changes: bool

    def as_json(self) -> dict[str, Any]:
        """The row as capacity.json has it: one flat object."""
        return {
            "host": self.host,
            "state": self.state,
            "error": self.error,
            **self.measured._asdict(),
            "reasons": list(self.measured.reasons),
            "overridden_by": list(self.measured.overridden_by),
            "change": self.change,
            "changes": self.changes,
        }


def _cause(error: object) -> str | None:
    if error is None:
        return None
    return cause(error) if isinstance(error, str) else str(error)


def measure(report: HostReport) -> Measured:
    """The row's columns read from a host report."""
    crashes = report["crashes"] or []
    last = crashes[-1] if crashes else None
    maps, process, sysctl = report["maps"], report["process"], report["sysctl"]
    status, recommendation = report["status"], report["recommendation"]
    return Measured(
        kafka=bool(report["kafka"]["found"]),
        version=report["kafka"]["version"],
        live=sysctl["live"],
        boot_value=sysctl["boot_value"],
        used=maps["total"] if maps else None,
        index_areas=maps["index_areas"] if maps else None,
        leaked=maps["leaked"] if maps else None,
        deleted=maps["deleted"] if maps else None,
        threads=process["threads"] if process else None,
        nofile=process["nofile_soft"] if process else None,
        nofile_recommended=recommendation["nofile"]["recommended"],
        required=report["model"]["required"],
        recommended=recommendation["recommended"],
        level=status["level"],
        used_ratio=status["used_ratio"],
        reasons=tuple(status["reasons"]),
        read_only=not sysctl["writable"],
        proc_sys="rw" if sysctl["writable"] else "READ-ONLY",
        overridden_by=tuple(sysctl["overridden_by"]),
        crashes=len(crashes),
        last_crash=f"{last['time']} {last['cause']}" if last else None,
    )


def _state(given: str, report: HostReport, measured: Measured) -> str:
    if given in ("unreachable", "failed"):
        return given  # a host that failed after being read keeps its numbers and its failure
    if report["down"]:
        return "down"  # the unit exists but the broker does not run
    if measured.level in ("critical", "warn"):
        return measured.level
    return "ok" if measured.kafka else "no-kafka"


def _schema_problem(report: HostReport) -> str | None:
    if report.get("schema") == HOST_SCHEMA:
        return None
    return (
        f"host report schema {report.get('schema')!r}, this kafka-vmtune reads schema"
        f" {HOST_SCHEMA}: run the same kafka-vmtune version on the hosts and here"
    )


def host_row(name: str, entry: HostEntry) -> HostRow:
    """One table row for one host, whatever happened to it."""
    # Entries come from Ansible's hostvars: a missing key is a host nothing was read from.
    state = entry.get("state") or "unreachable"
    error = _cause(entry.get("error"))
    report = entry.get("report")
    if not isinstance(report, Mapping):
        if state == "reported":
            state, error = "failed", error or "no report was produced"
        elif state == "unreachable" and not error:
            error = "host unreachable: nothing was read or changed"
        return HostRow(name, state, error, Measured(), "-", False)
    # One host's unreadable report is that host's failure, not the whole fleet report's.
    problem = _schema_problem(report)
    if problem:
        return HostRow(name, "failed", problem, Measured(), "-", False)
    try:
        measured = measure(report)
    except (KeyError, TypeError, IndexError) as e:
        problem = f"not a kafka-vmtune host report: {type(e).__name__} {e}"
        return HostRow(name, "failed", problem, Measured(), "-", False)
    change = entry.get("change")
    plan = report.get("plan")  # absent only from a report made before its plan
    text, changes = describe_change(change if isinstance(change, Mapping) else None, plan)
    return HostRow(name, _state(state, report, measured), error, measured, text, changes)


SCHEMA = 2  # capacity.json; schema 1 named the column `live` differently (issue 18)
MODES = ("report", "check", "apply")


class Summary(NamedTuple):
    hosts: int
    states: dict[str, int]  # every one of STATES -> its number of hosts
    read_only: int  # hosts whose /proc/sys is read-only
    changes: int  # hosts where tune-vm.yml changes (or would change) something

    def as_json(self) -> dict[str, int]:
        return {
            "hosts": self.hosts,
            **self.states,
            "read_only": self.read_only,
            "changes": self.changes,
        }


class Fleet(NamedTuple):
    """The fleet report: rows worst first, then by name, and their summary."""

    mode: str  # one of MODES
    generated_at: str
    rows: list[HostRow]
    summary: Summary

    def as_json(self) -> dict[str, Any]:
        """capacity.json."""
        return {
            "schema": SCHEMA,
            "generated_at": self.generated_at,
            "mode": self.mode,
            "summary": self.summary.as_json(),
            "hosts": [r.as_json() for r in self.rows],
        }


def build_fleet(
    hosts: Mapping[str, HostEntry], *, mode: str = "report", generated_at: str = ""
) -> Fleet:
    """Every host's row, sorted worst first, then by name, with the summary."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    rows = sorted(
        (host_row(name, entry) for name, entry in hosts.items()),
        key=lambda r: (STATES.index(r.state), r.host),
    )
    summary = Summary(
        hosts=len(rows),
        states={state: sum(1 for r in rows if r.state == state) for state in STATES},
        read_only=sum(1 for r in rows if r.measured.read_only),
        changes=sum(1 for r in rows if r.changes),
    )
    return Fleet(mode, generated_at, rows, summary)
