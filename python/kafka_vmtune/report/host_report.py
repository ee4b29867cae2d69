"""The host report: the JSON every consumer reads (CLI, kafka_facts, the fleet report).

Assembled from the facts (facts.gather) and the sizing (sizing.host); the plan (plan.plan)
comes from the pipeline. Its keys are the contract in contracts.HostReport.
"""

from __future__ import annotations

import datetime
import socket
from typing import TYPE_CHECKING

from ..defaults import REPORT_SCHEMA
from ..facts import logdirs, procfs
from ..facts.gather import HostFacts
from ..facts.systemd import is_down
from ..sizing.host import Sizing
from ..sizing.recommend import recommendation_json

if TYPE_CHECKING:  # the contracts are types only: no TypedDict is built at import
    from ..contracts import Disk, HostReport, Maps, Plan


def build(f: HostFacts, s: Sizing, plan: Plan) -> HostReport:
    """The host report of one host: its facts, sizing and plan as JSON."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return {
        "schema": REPORT_SCHEMA,
        "hostname": socket.gethostname(),
        "generated_at": now,
        "kafka": {
            "found": f.process is not None,
            "pid": f.broker_pid,
            "unit": f.unit,
            "server_properties": f.props_path,
            "log_dirs": list(f.config.log_dirs) if f.config else [],
            "version": f.version,
            "node_id": f.config.node_id if f.config else None,
            "process_roles": list(f.config.process_roles) if f.config else [],
            "leak_affected": f.resize_leak,
            "start_time": f.process.start_time if f.process else None,
            "other_pids": f.other_pids,
            "libs_dir": f.kafka_process.libs_dir if f.kafka_process else None,
            "root": f.prefix or "/",
        },
        "process": (
            {
                "threads": f.process.threads,
                "malloc_arena_max": f.process.malloc_arena_max,
                "open_fds": f.process.open_fds,
                "nofile_soft": f.process.nofile_soft,
                "nofile_hard": f.process.nofile_hard,
                "comm": f.process.comm,
            }
            if f.process
            else None
        ),
        "maps": _maps_dict(f.process.maps) if f.process else None,
        "disk": _disk_dict(f.scan) if f.scan else None,
        "sysctl": f.sysctl,
        "model": s.model.as_dict(),
        "recommendation": recommendation_json(s.map_count, s.nofile),
        "status": s.status.as_dict(),
        "top_processes": (
            None
            if f.top_processes is None
            else [{"pid": p, "comm": c, "areas": a} for p, c, a in f.top_processes]
        ),
        "cpus": f.cpus,
        "service": f.service,
        "down": f.process is None and is_down(f.service),
        "crashes": f.crashes,
        "plan": plan,
    }


def _maps_dict(maps: procfs.MapsUsage) -> Maps:
    return {
        "total": maps.total,
        "index_areas": maps.index_areas,
        "index_files_mapped": maps.index_files_mapped,
        "leaked": maps.leaked,
        "deleted": maps.deleted,
        "remote_cache": maps.remote_cache,
        "other": maps.other,
    }


def _disk_dict(scan: logdirs.LogDirScan) -> Disk:
    return {
        "log_dirs": list(scan.log_dirs),
        "partitions": scan.partitions,
        "segments": scan.segments,
        "index_files": scan.index_files,
        "empty_index_files": scan.empty_index_files,
        "deleted_index_files": scan.deleted_index_files,
        "delete_dirs": scan.delete_dirs,
        "stray_dirs": scan.stray_dirs,
        "remote_cache_entries": scan.remote_cache_entries,
        "top_topics": [[t, n] for t, n in scan.top_topics],
    }
