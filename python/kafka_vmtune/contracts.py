"""The typed contracts between the stages: the host report, its plan, the change record.

The kafka_facts module returns a HostReport (as ansible_facts.kafka_vmtune), the apply
modules return the parts of a ChangeRecord, the capacity_report module reads both. SCHEMA
is bumped whenever a key is dropped or changes meaning; keys may be added within a schema.
"""

from __future__ import annotations

from typing import Any, TypedDict, cast

from .contracts_sections import Crash, Disk, Kafka, Maps, Model, Process, Service

SCHEMA = 2


class Step(TypedDict):
    do: bool
    reason: str


class Plan(TypedDict):
    """plan.plan.HostPlan as JSON: what tune-vm.yml sets on this host, and why."""

    target: int
    wanted: int
    needed: int
    required: int
    live: int
    boot_value: int | None
    after_reboot: int
    raise_live: Step
    persist: Step
    nofile: int | None
    malloc_arena_max: int | None
    restart: Step
    action: str


class Sysctl(TypedDict):
    key: str
    live: int
    writable: bool
    boot_value: int | None
    boot_source: str | None
    boot_refused: str | None  # the last assignment, which the kernel would refuse
    ignored: list[str]  # sysctl files not read (not regular), and why
    ours: str
    ours_value: int | None
    settings: list[dict[str, Any]]
    overridden_by: list[str]


class HostReport(TypedDict):
    """What kafka-vmtune inspect --json prints and kafka_facts returns (schema 2)."""

    schema: int
    hostname: str
    generated_at: str
    kafka: Kafka
    process: Process | None
    maps: Maps | None
    disk: Disk | None
    sysctl: Sysctl
    model: Model
    recommendation: dict[str, Any]
    status: dict[str, Any]
    top_processes: list[dict[str, Any]] | None  # None: not looked for (only `inspect` looks)
    cpus: int
    service: Service | None  # the broker unit's state when no broker runs
    down: bool  # a broker unit exists but is failed or stopped
    crashes: list[Crash]  # `kafka-vmtune diagnose` entries of the last crash_days
    plan: Plan


class SysctlChange(TypedDict):
    """What the max_map_count module did (or, in check mode, would do)."""

    file: str
    file_action: str  # write | keep
    file_value_before: int | None
    target: int
    wanted: int
    needed: int
    required: int
    live_before: int
    live_action: str  # keep | raise | read-only | disabled
    live_after: int
    boot_value: int | None
    boot_source: str | None
    boot_refused: str | None
    boot_ok: bool | None  # None: not verified
    overridden_by: list[str]
    planned: bool  # the boot value was evaluated with the planned file (check mode)


class LimitsChange(TypedDict):
    """What the broker_limits module did to the unit drop-in."""

    dropin: str
    unit: str | None
    action: str  # write | keep
    nofile: int | None
    malloc_arena_max: int | None


class StopTimeoutCheck(TypedDict):
    unit: str
    seconds: float | None
    infinite: bool
    raw: str
    error: str | None
    short: bool


class ChangeRecord(TypedDict, total=False):
    """kafka_vmtune_change, one per host: the parts the apply roles ran."""

    check_mode: bool
    sysctl: SysctlChange
    limits: LimitsChange
    stop_timeout: StopTimeoutCheck
    restart_needed: bool
    restart_reasons: list[str]


class HostEntry(TypedDict):
    """One host as the capacity report receives it from the playbook."""

    state: str  # reported | unreachable | failed
    report: HostReport | None
    error: str | None
    change: ChangeRecord | None


def as_json(report: HostReport) -> dict[str, Any]:
    """The report as the plain JSON data the renderers and Ansible take."""
    return cast("dict[str, Any]", report)
