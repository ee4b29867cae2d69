"""The typed contracts between the stages: the host report, its plan, the change record.

The kafka_facts module returns a HostReport (as ansible_facts.kafka_vmtune), the apply
modules return the parts of a ChangeRecord, the capacity_report module reads both. SCHEMA
is bumped whenever a key is dropped or changes meaning; keys may be added within a schema.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from .defaults import REPORT_SCHEMA

SCHEMA = REPORT_SCHEMA


class Decision(TypedDict):
    """plan.plan.Decision as JSON: one yes/no of the plan, with its reason."""

    do: bool
    reason: str


class NofileRecommendation(TypedDict):
    """sizing.recommend.NofileRecommendation as JSON: recommendation.nofile."""

    live: int | None  # the broker's soft limit now (None: no broker)
    required: int
    recommended: int
    detail: str


class Recommendation(TypedDict):
    """The recommendation as JSON: vm.max_map_count's keys (sizing.recommend.MapRecommendation)
    at the top, the open-file limit under `nofile`."""

    live: int
    required: int
    floor: int
    recommended: int
    action: str  # raise | keep
    reason: str
    nofile: NofileRecommendation


class Status(TypedDict):
    """sizing.recommend.Status as JSON."""

    level: Literal["ok", "warn", "critical"]
    used: int | None
    live: int
    used_ratio: float | None
    required_ratio: float
    reasons: list[str]


class Plan(TypedDict):
    """plan.plan.HostPlan as JSON: what tune-vm.yml sets on this host, and why."""

    target: int
    recommended: int
    fixed: int | None
    required: int
    live: int
    boot_value: int | None
    after_reboot: int
    raise_live: Decision
    persist: Decision
    nofile: int | None
    malloc_arena_max: int | None
    restart: Decision
    action: str


class Kafka(TypedDict):
    """The broker as found: its process, unit, configuration and version."""

    found: bool
    pid: int | None  # HostFacts.broker_pid
    unit: str | None
    server_properties: str | None
    log_dirs: list[str]
    version: str | None
    node_id: int | None
    process_roles: list[str]
    leak_affected: bool | None  # HostFacts.resize_leak (KAFKA-19390)
    start_time: float | None
    other_pids: list[int]
    libs_dir: str | None
    root: str


class Process(TypedDict):
    """The broker JVM's limits and environment (facts.procfs.ProcessFacts)."""

    threads: int
    malloc_arena_max: int | None
    open_fds: int | None
    nofile_soft: int | None
    nofile_hard: int | None
    comm: str


class Maps(TypedDict):
    """facts.procfs.MapsUsage: the broker's map areas by what they map."""

    total: int
    index_areas: int
    index_files_mapped: int
    leaked: int
    deleted: int
    remote_cache: int
    other: int


class Disk(TypedDict):
    """The log.dirs scan (facts.logdirs.LogDirScan)."""

    log_dirs: list[str]
    partitions: int
    segments: int
    index_files: int
    empty_index_files: int
    deleted_index_files: int
    delete_dirs: int
    stray_dirs: int
    remote_cache_entries: int
    top_topics: list[list[str | int]]  # [topic, non-empty index files]


class Term(TypedDict):
    """One term of the model (sizing.model.Term)."""

    symbol: str
    name: str
    count: int
    per_unit: int
    areas: int
    source: str  # observed | projected | configured | default
    detail: str


class Model(TypedDict):
    terms: list[Term]
    base: int
    headroom: float
    required: int


class Service(TypedDict):
    """What systemd says of the broker's unit (facts.systemd.unit_state)."""

    unit: str
    active: str | None
    sub: str | None
    result: str | None
    exit_status: int | None
    restarts: int | None
    main_pid: int | None
    argv: list[str]


class Crash(TypedDict):
    """One JVM crash (facts.crashes.Crash)."""

    time: str | None  # ISO-8601 UTC
    pid: int | None
    cause: str
    map_areas: int | None
    max_map_count_at_crash: int | None
    evidence: list[str]
    detail: str


class TopProcess(TypedDict):
    pid: int
    comm: str
    areas: int


class Assignment(TypedDict):
    """One assignment of the key in the sysctl files, in the order systemd-sysctl applies."""

    path: str
    line: int
    value: str


class OurFile(TypedDict):
    """kafka-vmtune's own sysctl.d file, as the boot evaluation found it."""

    path: str
    exists: bool
    value: int | str | None  # the number, else the text the kernel would refuse; None: absent
    managed: bool  # carries kafka-vmtune's header
    read_at_boot: bool  # in a sysctl.d directory and not masked


class BootEvaluation(TypedDict):
    """facts.boot.evaluate: the key's value after a reboot and where it comes from."""

    key: str
    boot_value: int | None
    boot_refused: str | None
    ignored: list[str]
    boot_source: str | None
    settings: list[Assignment]
    masked: list[str]
    overridden_by: list[str]
    planned: bool  # evaluated with the planned file in place (check mode)
    ours: OurFile


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
    ours_managed: bool  # our file carries kafka-vmtune's header
    settings: list[Assignment]
    overridden_by: list[str]


class HostReport(TypedDict):
    """What kafka-vmtune inspect --json prints and kafka_facts returns (schema 3)."""

    schema: int
    hostname: str
    generated_at: str
    kafka: Kafka
    process: Process | None
    maps: Maps | None
    disk: Disk | None
    sysctl: Sysctl
    model: Model
    recommendation: Recommendation
    status: Status
    top_processes: list[TopProcess] | None  # None: not looked for (only `inspect` looks)
    cpus: int
    service: Service | None  # the broker unit's state when no broker runs
    down: bool  # a broker unit exists but is failed or stopped
    crashes: list[Crash]  # `kafka-vmtune diagnose` entries of the last crash_days
    plan: Plan


class SysctlChange(TypedDict):
    """What the max_map_count module did (or, in check mode, would do)."""

    file: str
    file_action: str  # write | keep
    file_value_before: int | str | None  # str: text the kernel would refuse; None: absent
    target: int
    recommended: int
    fixed: int | None
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


class FileDiff(TypedDict):
    """Ansible's diff of one file (`--diff`)."""

    before: str
    after: str
    before_header: str
    after_header: str


class SysctlApplied(TypedDict):
    """apply.max_map_count.apply's result, as the max_map_count module returns it."""

    changed: bool
    change: SysctlChange
    diff: FileDiff | None
    lines: list[str]
    failed: bool
    boot_message: str


class LimitsApplied(TypedDict):
    """apply.dropin.apply's result, as the broker_limits module returns it."""

    changed: bool
    diff: FileDiff | None
    limits: LimitsChange
    restart_due: bool
    restart_reasons: list[str]
    required_process: dict[str, int]  # nofile_soft, malloc_arena_max: what the broker must run with
    lines: list[str]


class ChangeRecord(TypedDict, total=False):
    """kafka_vmtune_change, one per host: the parts the apply roles ran."""

    check_mode: bool
    sysctl: SysctlChange
    limits: LimitsChange
    stop_timeout: StopTimeoutCheck
    restart_due: bool
    restart_reasons: list[str]


class HostEntry(TypedDict):
    """One host as the capacity report receives it from the playbook."""

    state: str  # reported | unreachable | failed
    report: HostReport | None
    error: str | None
    change: ChangeRecord | None


class WhatIfBroker(TypedDict):
    """One broker of `kafka-vmtune whatif --json` (schema 2): whatif.calculate.BrokerWhatIf."""

    broker: str
    replicas: int
    segments: int
    model: Model
    recommendation: Recommendation


class Diagnosis(TypedDict):
    """What `kafka-vmtune diagnose --json` prints (schema 1): the crashes and where it looked."""

    schema: int
    crashes: list[Crash]
    searched: list[str]
    skipped: list[str]
