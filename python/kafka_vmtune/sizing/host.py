"""Size one host: the model's terms from its facts, the recommendations, the status.

Pure functions of facts.gather.HostFacts and the settings.
"""

from __future__ import annotations

from typing import NamedTuple

from ..defaults import KERNEL_MAX_MAP_COUNT
from ..facts.gather import KEY, HostFacts
from .model import (
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
from .recommend import (
    Level,
    MapRecommendation,
    NofileRecommendation,
    Status,
    assess,
    recommend_max_map_count,
    recommend_nofile,
)

# Cluster size is not visible from one host; replica fetcher threads scale with it.
ASSUMED_BROKERS = 3


class Sizing(NamedTuple):
    model: Model
    map_count: MapRecommendation
    nofile: NofileRecommendation
    status: Status


def size_host(
    facts: HostFacts,
    *,
    headroom: float,
    floor: int,
    warn_ratio: float,
    critical_ratio: float,
    leak_fraction: float = DEFAULT_LEAK_FRACTION,
    connections: int,
) -> Sizing:
    model = host_model(facts, headroom=headroom, leak_fraction=leak_fraction)
    rec = recommend_max_map_count(facts.live, model.required, floor)
    # Each segment keeps its .log open; index files (2 per segment) bound it when no .log.
    from_indexes = -(-model.term("S").areas // 2)
    segments = max(facts.scan.segments, from_indexes) if facts.scan else from_indexes
    process = facts.process
    nofile = recommend_nofile(
        segments, live=process.nofile_soft if process else None, connections=connections
    )
    status = assess(
        used=process.maps.total if process else None,
        live=facts.live,
        required=model.required,
        warn_ratio=warn_ratio,
        critical_ratio=critical_ratio,
        extra=tuple(_findings(facts, model, warn_ratio, critical_ratio)),
    )
    return Sizing(model, rec, nofile, status)


def _findings(
    facts: HostFacts, model: Model, warn_ratio: float, critical_ratio: float
) -> list[tuple[Level, str]]:
    """What the model's ratios do not show: boot value, overrides, open files, several JVMs."""
    sysctl, live, process = facts.sysctl, facts.live, facts.process
    extra: list[tuple[Level, str]] = []
    boot = sysctl["boot_value"]
    after_reboot = boot if boot is not None else KERNEL_MAX_MAP_COUNT
    if after_reboot < model.required:
        source = " (kernel default)" if boot is None else f" ({sysctl['boot_source']})"
        extra.append(
            (
                "warn",
                f"after a reboot {KEY} would be {after_reboot}{source}, below the required"
                f" {model.required}: persist it (tune-vm.yml)",
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
    if sysctl.get("boot_refused"):
        extra.append(("warn", str(sysctl["boot_refused"])))
    extra += [("warn", f"sysctl file {why}") for why in sysctl.get("ignored") or ()]
    if sysctl["overridden_by"]:
        files = ", ".join(sysctl["overridden_by"])
        extra.append(("warn", f"{sysctl['ours']} is overridden by {files}"))
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
    extra += _crash_findings(facts)
    if facts.other_pids:
        extra.append(
            (
                "warn",
                f"several Kafka processes: inspected {facts.broker_pid}, also {facts.other_pids}",
            )
        )
    return extra


def host_model(
    facts: HostFacts, *, headroom: float, leak_fraction: float = DEFAULT_LEAK_FRACTION
) -> Model:
    """The model from what this host shows; each term says whether it was seen or assumed."""
    process = facts.process
    maps = process.maps if process else None
    segments = _segments(facts)
    return build_model(
        fixed=fixed_term(),
        threads=_threads(facts),
        arenas=arenas_term(process.malloc_arena_max if process else None, facts.cpus),
        segments=segments,
        leak=leak_term(
            affected=facts.resize_leak,
            version=facts.version,
            index_areas=segments.areas,
            observed_leaked=maps.leaked if maps else None,
            leak_fraction=leak_fraction,
        ),
        deletes=_deletes(facts),
        remote=_remote(facts),
        headroom=headroom,
    )


def _threads(facts: HostFacts) -> Term:
    process, config, listeners, cpus = facts.process, facts.config, facts.listeners, facts.cpus
    if process is not None:
        return threads_observed(process.threads, process.pid)
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
    return Term(
        threads.symbol,
        threads.name,
        threads.count,
        threads.per_unit,
        threads.source,
        f"{threads.detail}; {ASSUMED_BROKERS} brokers assumed",
    )


def _segments(facts: HostFacts) -> Term:
    scan, maps = facts.scan, facts.process.maps if facts.process else None
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
    return segments


def _deletes(facts: HostFacts) -> Term:
    scan, maps = facts.scan, facts.process.maps if facts.process else None
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
    return deletes


def _remote(facts: HostFacts) -> Term:
    scan, config = facts.scan, facts.config
    maps = facts.process.maps if facts.process else None
    observed_remote: int | None = None
    if maps is not None or scan is not None:
        observed_remote = max(
            maps.remote_cache if maps else 0, scan.remote_cache_entries if scan else 0
        )
    return remote_term(
        tiered=config is not None and config.remote_cache_bytes is not None,
        observed_areas=observed_remote,
        cache_bytes=config.remote_cache_bytes if config else None,
    )


def _crash_findings(facts: HostFacts) -> list[tuple[Level, str]]:
    """A broker that is down, and the crashes diagnose found (facts.crashes)."""
    out: list[tuple[Level, str]] = []
    service = facts.service
    if (
        facts.process is None
        and service is not None
        and service.get("active")
        in (
            "failed",
            "inactive",
        )
    ):
        out.append(
            (
                "critical",
                f"broker down: {service['unit']} is {service['active']}"
                f" (result {service.get('result')}, exit status {service.get('exit_status')})",
            )
        )
    for crash in facts.crashes[-3:]:
        cause, limit = crash["cause"], crash.get("max_map_count_at_crash")
        if cause == "vm.max_map_count":
            still = limit is not None and facts.live <= limit
            level: Level = "critical" if still else "warn"
            now = "the limit is still" if still else "the limit is now"
            out.append(
                (
                    level,
                    f"broker crashed at {crash['time']} of map exhaustion"
                    f" ({crash.get('map_areas')} areas, limit {limit}); {now} {facts.live}",
                )
            )
        else:
            out.append(("warn", f"broker crashed at {crash['time']}: {cause}"))
    return out
