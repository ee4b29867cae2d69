"""The host report: what this host's broker maps, what it needs, what to set. Stdlib only.

inspect_host() composes the facts modules into the JSON-able dict every consumer reads
(CLI, the kafka_facts Ansible module, the fleet report). Its keys are a contract.
"""

from __future__ import annotations

import datetime
import os
import socket
from dataclasses import asdict
from typing import Any, cast

from . import settings
from .contracts import SCHEMA, HostReport
from .errors import FactsError, InputError
from .facts import discovery, logdirs, procfs, sysctl_config, versions
from .plan.plan import KERNEL_DEFAULT, make_plan
from .sizing.model import (
    DEFAULT_LEAK_FRACTION,
    Model,
    Term,
    ThreadConfig,
    arenas_term,
    build_model,
    deletes_none,
    deletes_observed,
    fixed_term,
    leak_term,
    remote_term,
    segments_none,
    segments_observed,
    threads_estimated,
    threads_observed,
)
from .sizing.recommend import (
    Level,
    assess,
    recommend_max_map_count,
    recommend_nofile,
)

KEY = "vm.max_map_count"
# Cluster size is not visible from one host; replica fetcher threads scale with it.
ASSUMED_BROKERS = 3
# datetime.UTC is Python 3.11+; this runs on broker hosts with Python 3.8.


def _listeners(props: dict[str, str]) -> int:
    value = props.get("listeners", "PLAINTEXT://:9092")
    return max(1, len([v for v in value.split(",") if v.strip()]))


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _pick_process(
    pid: int | None, unit: str | None, server_properties: str | None, proc: str
) -> tuple[int | None, list[int], str | None]:
    """(chosen pid, other kafka pids, how it was found).

    Explicit PID, else the unit's main PID, else a search for kafka.Kafka JVMs. With an
    explicit server.properties the search keeps only brokers started with that file: the
    report must not mix one broker's disk with another's process.
    """
    if pid is not None:
        if pid <= 0 or not os.path.isdir(f"{proc}/{pid}"):
            raise InputError(f"no process with PID {pid}")
        return pid, [], "pid"
    if unit is not None:
        main = discovery.unit_main_pid(unit)
        if not main:
            raise InputError(f"systemd unit {unit} has no running main process")
        return main, [], "unit"
    pids = discovery.find_kafka_pids(proc)
    if server_properties is not None:
        mine = []
        for p in pids:
            try:
                cfg = discovery.describe_kafka_process(p, proc).server_properties
            except FactsError:
                continue
            if cfg and _same_file(_root_prefix(p, proc) + cfg, server_properties):
                mine.append(p)
        pids = mine
    if not pids:
        return None, [], None
    if len(pids) == 1:
        return pids[0], [], "search"
    sizes: dict[int, int] = {}
    for p in pids:
        try:
            sizes[p] = procfs.read_process(p, proc).maps.total
        except FactsError:
            sizes[p] = -1
    chosen = max(pids, key=lambda p: (sizes[p], -p))
    return chosen, [p for p in pids if p != chosen], "search"


def _root_prefix(pid: int, proc: str) -> str:
    """Where the broker's own paths are visible from here.

    A broker in a container has its own mount namespace: its server.properties, log dirs and
    libs are reachable through /proc/PID/root. Empty when it shares ours.
    """
    try:
        theirs = os.readlink(f"{proc}/{pid}/ns/mnt")
        ours = os.readlink(f"{proc}/self/ns/mnt")
    except OSError:
        return ""
    return "" if theirs == ours else f"{proc}/{pid}/root"


def _sysctl_section(live: int, writable: bool, root: str, sysctl_file: str) -> dict[str, Any]:
    boot = sysctl_config.boot_value(KEY, root)
    ours_real = os.path.normpath(os.path.join(root, sysctl_file.lstrip("/")))

    def is_ours(path: str) -> bool:
        return path in (sysctl_file, ours_real)

    settings_ = list(boot.settings)
    overridden: list[str] = []
    ours_at = [i for i, s in enumerate(settings_) if is_ours(s.path)]
    if ours_at:
        overridden = [s.path for s in settings_[ours_at[-1] + 1 :] if not is_ours(s.path)]
    elif any(is_ours(m) for m in boot.masked):
        # A same-named file earlier in the directory order shadows ours entirely.
        name = os.path.basename(sysctl_file)
        overridden = [s.path for s in settings_ if os.path.basename(s.path) == name]
    boot_int: int | None
    try:
        boot_int = int(boot.value) if boot.value is not None else None
    except ValueError:
        boot_int = None
    return {
        "key": KEY,
        "live": live,
        "writable": writable,
        "boot_value": boot_int,
        "boot_source": boot.source.path if boot.source else None,
        "ours": sysctl_file,
        # The value our own file sets (None: absent, or no vm.max_map_count line in it).
        "ours_value": _int_or_none(settings_[ours_at[-1]].value) if ours_at else None,
        "settings": [{"path": s.path, "line": s.line, "value": s.value} for s in settings_],
        "overridden_by": sorted(set(overridden)),
    }


def _int_or_none(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


def _maps_dict(maps: procfs.MapsUsage) -> dict[str, int]:
    return dict(asdict(maps))


def _disk_dict(scan: logdirs.LogDirScan) -> dict[str, Any]:
    d = asdict(scan)
    d["log_dirs"] = list(scan.log_dirs)
    d["top_topics"] = [[t, n] for t, n in scan.top_topics]
    return d


def host_model(
    *,
    cpus: int,
    headroom: float,
    process: procfs.ProcessFacts | None,
    scan: logdirs.LogDirScan | None,
    config: discovery.BrokerConfig | None,
    listeners: int,
    version: str | None,
    affected: bool | None,
    leak_fraction: float = DEFAULT_LEAK_FRACTION,
) -> Model:
    """The model from what this host shows; each term says whether it was seen or assumed."""
    maps = process.maps if process else None
    if process is not None:
        threads = threads_observed(process.threads, process.pid)
    else:
        cfg = ThreadConfig(listeners=listeners, brokers=ASSUMED_BROKERS)
        if config is not None:
            cfg = ThreadConfig(
                num_io_threads=config.num_io_threads,
                num_network_threads=config.num_network_threads,
                listeners=listeners,
                num_replica_fetchers=config.num_replica_fetchers,
                brokers=ASSUMED_BROKERS,
                log_cleaner_threads=config.log_cleaner_threads,
                background_threads=config.background_threads,
            )
        threads = threads_estimated(cfg, cpus, configured=config is not None)
        threads = Term(
            threads.symbol,
            threads.name,
            threads.count,
            threads.per_unit,
            threads.source,
            f"{threads.detail}; {ASSUMED_BROKERS} brokers assumed",
        )
    arenas = arenas_term(process.malloc_arena_max if process else None, cpus)

    disk_files = scan.index_files if scan else None
    live_files = maps.index_files_mapped if maps else None
    if disk_files is None and live_files is None:
        segments = segments_none("no Kafka log dirs found on this host: 0")
    else:
        seen = []
        if disk_files is not None:
            seen.append(f"{disk_files} non-empty .index/.timeindex files in log.dirs")
        if live_files is not None:
            seen.append(f"{live_files} index files mapped now")
        segments = segments_observed(max(disk_files or 0, live_files or 0), " vs ".join(seen))

    leak = leak_term(
        affected=affected,
        version=version,
        index_areas=segments.areas,
        observed_leaked=maps.leaked if maps else None,
        leak_fraction=leak_fraction,
    )

    if maps is None and scan is None:
        deletes = deletes_none("no broker found: 0")
    else:
        mapped_deleted = maps.deleted if maps else 0
        disk_deleted = scan.deleted_index_files if scan else 0
        deletes = deletes_observed(
            max(mapped_deleted, disk_deleted),
            f"pending deletes now: {mapped_deleted} mapped, {disk_deleted} .deleted index"
            " files on disk (spikes on retention sweeps and topic deletion)",
        )

    observed_remote: int | None = None
    if maps is not None or scan is not None:
        observed_remote = max(
            maps.remote_cache if maps else 0, scan.remote_cache_entries if scan else 0
        )
    remote = remote_term(
        tiered=config is not None and config.remote_cache_bytes is not None,
        observed_areas=observed_remote,
        cache_bytes=config.remote_cache_bytes if config else None,
    )
    return build_model(
        fixed=fixed_term(),
        threads=threads,
        arenas=arenas,
        segments=segments,
        leak=leak,
        deletes=deletes,
        remote=remote,
        headroom=headroom,
    )


def inspect_host(**options: Any) -> HostReport:
    """The host report (schema 2) with its plan; see the README section `model` for every key.

    `options` are the settings of kafka_vmtune.settings (defaults filled, bounds checked
    there: an InputError names the variable).
    """
    opts = settings.parse_all(options)
    num = settings.number
    pid = None if opts["pid"] is None else int(num(opts["pid"]))
    unit = None if opts["unit"] is None else str(opts["unit"])
    server_properties = opts["server_properties"]
    server_properties = None if server_properties is None else str(server_properties)
    proc, root, sysctl_file = str(opts["proc"]), str(opts["root"]), str(opts["sysctl_file"])
    headroom, floor = num(opts["headroom"]), int(num(opts["floor"]))
    warn_ratio, critical_ratio = num(opts["warn_ratio"]), num(opts["critical_ratio"])
    leak_fraction, connections = num(opts["leak_fraction"]), int(num(opts["connections"]))
    chosen, others, how = _pick_process(pid, unit, server_properties, proc)
    process: procfs.ProcessFacts | None = None
    kproc: discovery.KafkaProcess | None = None
    if chosen is not None:
        try:
            process = procfs.read_process(chosen, proc)
            kproc = discovery.describe_kafka_process(chosen, proc)
        except FactsError as e:
            if how == "search":
                raise
            raise InputError(f"PID {chosen}: {e}") from e

    # The broker's paths as it sees them, read through its root when it is in a container.
    prefix = _root_prefix(chosen, proc) if chosen is not None else ""
    props_path = server_properties or (kproc.server_properties if kproc else None)
    props: dict[str, str] = {}
    config: discovery.BrokerConfig | None = None
    if props_path is not None:
        props = discovery.load_properties(props_path if server_properties else prefix + props_path)
        config = discovery.broker_config(props)
    scan = None
    if config is not None:
        scan_prefix = "" if server_properties else prefix
        scan = logdirs.scan_log_dirs(tuple(scan_prefix + d for d in config.log_dirs))

    version = kproc.version if kproc else None
    affected = versions.resize_leak_affected(version)
    cpus = os.cpu_count() or 1
    model = host_model(
        cpus=cpus,
        headroom=headroom,
        process=process,
        scan=scan,
        config=config,
        listeners=_listeners(props),
        version=version,
        affected=affected,
        leak_fraction=leak_fraction,
    )

    live = procfs.read_max_map_count(proc)
    sysctl = _sysctl_section(live, procfs.max_map_count_writable(proc), root, sysctl_file)
    rec = recommend_max_map_count(live, model.required, floor)
    # Each segment keeps its .log open; index files (2 per segment) bound it when no .log.
    from_indexes = -(-model.term("S").areas // 2)
    segments = max(scan.segments, from_indexes) if scan else from_indexes
    nofile = recommend_nofile(
        segments,
        current=process.nofile_soft if process else None,
        connections=connections,
    )

    extra: list[tuple[Level, str]] = []
    boot = sysctl["boot_value"]
    after_reboot = boot if boot is not None else KERNEL_DEFAULT
    if after_reboot < model.required:
        extra.append(
            (
                "warn",
                f"after a reboot {KEY} would be {after_reboot}"
                + (" (kernel default)" if boot is None else f" ({sysctl['boot_source']})")
                + f", below the required {model.required}: persist it (tune-vm.yml)",
            )
        )
    if boot is not None and boot < live:
        extra.append(
            (
                "warn",
                f"live {KEY} {live} is not persisted:"
                f" boot files set {boot} ({sysctl['boot_source']})",
            )
        )
    if sysctl["overridden_by"]:
        extra.append(
            ("warn", f"{sysctl_file} is overridden by {', '.join(sysctl['overridden_by'])}")
        )
    if process and process.open_fds is not None and process.nofile_soft:
        ratio = process.open_fds / process.nofile_soft
        if ratio >= warn_ratio:
            level: Level = "critical" if ratio >= critical_ratio else "warn"
            extra.append(
                (
                    level,
                    f"broker has {process.open_fds} of {process.nofile_soft}"
                    f" open files ({ratio:.0%})",
                )
            )
    if others:
        extra.append(("warn", f"several Kafka processes: inspected {chosen}, also {others}"))
    status = assess(
        used=process.maps.total if process else None,
        limit=live,
        required=model.required,
        warn_ratio=warn_ratio,
        critical_ratio=critical_ratio,
        extra=tuple(extra),
    )

    report: dict[str, Any] = {
        "schema": SCHEMA,
        "hostname": socket.gethostname(),
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "kafka": {
            "found": process is not None,
            "pid": chosen,
            "unit": unit,
            "server_properties": props_path,
            "log_dirs": list(config.log_dirs) if config else [],
            "version": version,
            "node_id": config.node_id if config else None,
            "process_roles": list(config.process_roles) if config else [],
            "leak_affected": affected,
            "start_time": process.start_time if process else None,
            "other_pids": others,
            "libs_dir": kproc.libs_dir if kproc else None,
            "root": prefix or "/",
        },
        "process": (
            {
                "threads": process.threads,
                "malloc_arena_max": process.malloc_arena_max,
                "open_fds": process.open_fds,
                "nofile_soft": process.nofile_soft,
                "nofile_hard": process.nofile_hard,
                "comm": process.comm,
            }
            if process
            else None
        ),
        "maps": _maps_dict(process.maps) if process else None,
        "disk": _disk_dict(scan) if scan else None,
        "sysctl": sysctl,
        "model": model.as_dict(),
        "recommendation": {
            "current": rec.current,
            "required": rec.required,
            "floor": rec.floor,
            "recommended": rec.recommended,
            "action": rec.action,
            "reason": rec.reason,
            "nofile": {
                "current": nofile.current,
                "required": nofile.required,
                "recommended": nofile.recommended,
                "detail": nofile.detail,
            },
        },
        "status": status.as_dict(),
        "top_processes": [
            {"pid": p, "comm": c, "areas": a} for p, c, a in procfs.top_map_processes(5, proc)
        ],
        "cpus": cpus,
    }
    report["plan"] = make_plan(report, opts).as_dict()
    return cast(HostReport, report)
