"""Gather: everything one broker host shows, read once (procfs, config, log dirs, sysctl files).

Standard library only. The result feeds sizing (sizing.host) and the report (report.host_report).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from .. import defaults
from ..errors import FactsError, InputError, VmtuneError
from . import (
    boot,
    broker_config,
    kafka_command,
    logdirs,
    process_search,
    procfs,
    properties,
    systemd,
    versions,
)

if TYPE_CHECKING:  # the contracts are types only: no TypedDict is built at import
    from ..contracts import Crash, Service, Sysctl

KEY = "vm.max_map_count"


class HostFacts(NamedTuple):
    broker_pid: int | None
    other_pids: list[int]  # other kafka.Kafka JVMs on the host
    unit: str | None
    process: procfs.ProcessFacts | None
    kafka_process: kafka_command.KafkaProcess | None  # its command line read as Kafka's
    prefix: str  # where the broker's own paths are visible from here ("" = same mount ns)
    props_path: str | None
    props: dict[str, str]
    config: broker_config.BrokerConfig | None
    scan: logdirs.LogDirScan | None
    version: str | None
    resize_leak: bool | None  # has the KAFKA-19390 resize leak (None: unknown)
    cpus: int
    live: int
    sysctl: Sysctl
    top_processes: list[tuple[int, str, int]] | None  # None: not looked for
    service: Service | None  # the broker unit's state, read when no broker runs
    crashes: list[Crash]  # facts.crashes, newest last

    @property
    def listeners(self) -> int:
        value = self.props.get("listeners", defaults.LISTENERS)
        return max(1, len([v for v in value.split(",") if v.strip()]))


def gather(
    *,
    pid: int | None,
    unit: str | None,
    server_properties: str | None,
    proc: str,
    root: str,
    sysctl_file: str,
    service_name: str = "kafka",
    crash_days: float = 0,
    top_processes: int = 0,
) -> HostFacts:
    """Read the host: the broker (by PID, unit or search), its config and disk, the sysctls.

    `top_processes` > 0 also lists the processes with the most map areas (`inspect`): that
    reads every process's maps, in proportion to all map areas of the host."""
    broker_pid, other_pids, how, jvms = _pick_process(pid, unit, server_properties, proc)
    process: procfs.ProcessFacts | None = None
    kafka_process: kafka_command.KafkaProcess | None = None
    if broker_pid is not None:
        try:
            process = procfs.read_process(broker_pid, proc)
            kafka_process = kafka_command.describe_kafka_process(broker_pid, proc)
        except FactsError as e:
            if how == "search":
                raise
            raise InputError(f"PID {broker_pid}: {e}") from e
    # A broker that does not run: is its unit down (failed or stopped)? Then it is "down",
    # and its unit's command line still names its config (so its disk is still counted).
    service = None if process else systemd.unit_state(systemd.unit_name(unit, None, service_name))
    # The broker's paths as it sees them, read through its root when it is in a container.
    prefix = _root_prefix(broker_pid, proc) if broker_pid is not None else ""
    props_path = server_properties or (kafka_process.server_properties if kafka_process else None)
    from_unit = props_path is None and service is not None
    if from_unit and service is not None:
        props_path = process_search.properties_of_command([str(a) for a in service.get("argv", [])])
    props: dict[str, str] = {}
    config: broker_config.BrokerConfig | None = None
    if props_path is not None:
        try:
            props = properties.load_properties(
                props_path, None if server_properties or not prefix else prefix
            )
            config = broker_config.broker_config(props)
        except VmtuneError:
            if not from_unit:
                raise
            props_path = None  # a down broker's unit may name a file that is gone
    scan = None
    if config is not None:
        scan_prefix = "" if server_properties else prefix
        dirs = logdirs.unique_dirs(config.log_dirs, scan_prefix or None)
        scan = logdirs.scan_log_dirs(tuple(scan_prefix + d for d in dirs))
    version = kafka_process.version if kafka_process else None
    live = procfs.read_max_map_count(proc)
    found = _crashes(crash_days, jvms if proc == "/proc" else None)
    return HostFacts(
        broker_pid=broker_pid,
        other_pids=other_pids,
        unit=unit,
        process=process,
        kafka_process=kafka_process,
        prefix=prefix,
        props_path=props_path,
        props=props,
        config=config,
        scan=scan,
        version=version,
        resize_leak=versions.resize_leak_affected(version),
        cpus=os.cpu_count() or 1,
        live=live,
        sysctl=_sysctl_section(live, procfs.max_map_count_writable(proc), root, sysctl_file),
        top_processes=(
            procfs.top_map_processes(top_processes, proc, _known_areas(process))
            if top_processes > 0
            else None
        ),
        service=service,
        crashes=found,
    )


def _crashes(days: float, jvms: dict[int, tuple[str, ...]] | None) -> list[Crash]:
    """The crashes of the last `days` (0: none): the search and its parsers load only then.
    `jvms`: the running brokers this run found in /proc, so the search does not read every
    command line again."""
    if days <= 0:
        return []
    from . import crashes

    found: list[Crash] = crashes.diagnose([], days * 86400, jvms)["crashes"]
    return found


def _known_areas(process: procfs.ProcessFacts | None) -> dict[int, tuple[str, int]]:
    """The broker's maps were read already: the scan of all processes need not read them again."""
    return {} if process is None else {process.pid: (process.comm, process.maps.total)}


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _pick_process(
    pid: int | None,
    unit: str | None,
    server_properties: str | None,
    proc: str,
) -> tuple[int | None, list[int], str | None, dict[int, tuple[str, ...]] | None]:
    """(broker pid, other kafka pids, how it was found, the kafka.Kafka JVMs when searched).

    Explicit PID, else the unit's main PID, else a search for kafka.Kafka JVMs. With an
    explicit server.properties the search keeps only brokers started with that file: the
    report must not mix one broker's disk with another's process.
    """
    if pid is not None:
        if pid <= 0 or not os.path.isdir(f"{proc}/{pid}"):
            raise InputError(f"no process with PID {pid}")
        why = process_search.not_a_broker(pid, proc)
        if why is not None:
            raise InputError(why)
        return pid, [], "pid", None
    if unit is not None:
        main, why = systemd.unit_main_pid_or_reason(unit)
        if not main:
            raise InputError(f"cannot find the broker of {unit}: {why}; or pass --pid")
        return main, [], "unit", None
    jvms = process_search.kafka_command_lines(proc)
    pids = sorted(jvms)
    if server_properties is not None:
        mine = []
        for p in pids:
            try:
                cfg = kafka_command.describe_kafka_process(p, proc).server_properties
            except FactsError:
                continue
            if cfg and _same_file(_root_prefix(p, proc) + cfg, server_properties):
                mine.append(p)
        pids = mine
    if not pids:
        return None, [], None, jvms
    if len(pids) == 1:
        return pids[0], [], "search", jvms
    sizes: dict[int, int] = {}
    for p in pids:
        try:
            sizes[p] = procfs.read_process(p, proc).maps.total
        except FactsError:
            sizes[p] = -1
    broker = max(pids, key=lambda p: (sizes[p], -p))
    return broker, [p for p in pids if p != broker], "search", jvms


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


def _sysctl_section(live: int, writable: bool, root: str, sysctl_file: str) -> Sysctl:
    """The live value and what the sysctl files give at boot (facts.boot, the one evaluation)."""
    at_boot = boot.evaluate(KEY, root, sysctl_file, None)
    ours = at_boot["ours"]
    return {
        "key": KEY,
        "live": live,
        "writable": writable,
        "boot_value": at_boot["boot_value"],
        "boot_source": at_boot["boot_source"],
        # The last assignment, when the kernel would refuse it (then the boot value is None).
        "boot_refused": at_boot["boot_refused"],
        "ignored": at_boot["ignored"],
        "ours": sysctl_file,
        # The value our own file sets (None: absent, or no vm.max_map_count line in it).
        "ours_value": ours["value"] if isinstance(ours["value"], int) else None,
        "ours_managed": bool(ours["managed"]),  # it carries our header (we may rewrite it)
        "settings": at_boot["settings"],
        "overridden_by": at_boot["overridden_by"],
    }
