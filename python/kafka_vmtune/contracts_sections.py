"""The sections of contracts.HostReport that were `dict[str, Any]`, as typed JSON (schema 3).

Standard library only (shipped to hosts). As in contracts.py the annotations are postponed,
never evaluated, so `int | None` is fine on the hosts' Python 3.8. Each mirrors the code
that fills it: the keys are report.host_report.build's, the types those of the facts and
sizing it reads.
"""

from __future__ import annotations

from typing import TypedDict


class Kafka(TypedDict):
    """What is known of the broker: the process kafka-vmtune sized, its config and version."""

    found: bool
    pid: int | None
    unit: str | None
    server_properties: str | None
    log_dirs: list[str]
    version: str | None
    node_id: int | None
    process_roles: list[str]
    leak_affected: bool | None  # KAFKA-19390 resize leak; None: version unknown
    start_time: float | None
    other_pids: list[int]
    libs_dir: str | None
    root: str


class Process(TypedDict):
    """The broker's JVM as /proc shows it."""

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
    """facts.logdirs.LogDirScan: what the log directories hold."""

    log_dirs: list[str]
    partitions: int
    segments: int
    index_files: int
    empty_index_files: int
    deleted_index_files: int
    delete_dirs: int
    stray_dirs: int
    remote_cache_entries: int
    top_topics: list[list[str | int]]  # [topic, non-empty index files], largest first


class Term(TypedDict):
    """One term of the model (sizing.model.Term)."""

    symbol: str
    name: str
    count: int
    per_unit: int
    areas: int
    source: str
    detail: str


class Model(TypedDict):
    """sizing.model.Model: the map areas the broker needs, term by term."""

    terms: list[Term]
    base: int
    headroom: float
    required: int


class Service(TypedDict):
    """facts.systemd.unit_state: the broker unit as systemd shows it."""

    unit: str
    active: str | None
    sub: str | None
    result: str | None
    exit_status: int | None
    restarts: int | None
    main_pid: int | None
    argv: list[str]


class Crash(TypedDict):
    """facts.crashes.Crash: one crash of the broker, from its hs_err file and logs."""

    time: str | None  # ISO 8601, UTC; None when no file said when
    pid: int | None
    cause: str  # facts.crashes.CAUSES
    map_areas: int | None
    max_map_count_at_crash: int | None  # the limit the hs_err file records
    evidence: list[str]
    detail: str
