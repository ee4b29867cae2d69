"""The host report: the JSON every consumer reads (CLI, kafka_facts, the fleet report).

Assembled from the facts (facts.gather) and the sizing (sizing.host); the plan is added by
the pipeline. Its keys are the contract in contracts.HostReport.
"""

from __future__ import annotations

import datetime
import socket
from typing import Any

from ..contracts import SCHEMA
from ..facts import logdirs, procfs
from ..facts.gather import HostFacts
from ..facts.systemd import is_down
from ..sizing.host import Sizing


def build(f: HostFacts, s: Sizing) -> dict[str, Any]:
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return {
        "schema": SCHEMA,
        "hostname": socket.gethostname(),
        "generated_at": now,
        "kafka": {
            "found": f.process is not None,
            "pid": f.chosen,
            "unit": f.unit,
            "server_properties": f.props_path,
            "log_dirs": list(f.config.log_dirs) if f.config else [],
            "version": f.version,
            "node_id": f.config.node_id if f.config else None,
            "process_roles": list(f.config.process_roles) if f.config else [],
            "leak_affected": f.affected,
            "start_time": f.process.start_time if f.process else None,
            "other_pids": f.others,
            "libs_dir": f.kproc.libs_dir if f.kproc else None,
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
        "recommendation": {
            "current": s.map_count.current,
            "required": s.map_count.required,
            "floor": s.map_count.floor,
            "recommended": s.map_count.recommended,
            "action": s.map_count.action,
            "reason": s.map_count.reason,
            "nofile": {
                "current": s.nofile.current,
                "required": s.nofile.required,
                "recommended": s.nofile.recommended,
                "detail": s.nofile.detail,
            },
        },
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
    }


def _maps_dict(maps: procfs.MapsUsage) -> dict[str, int]:
    return dict(maps._asdict())


def _disk_dict(scan: logdirs.LogDirScan) -> dict[str, Any]:
    d = dict(scan._asdict())
    d["log_dirs"] = list(scan.log_dirs)
    d["top_topics"] = [[t, n] for t, n in scan.top_topics]
    return d
