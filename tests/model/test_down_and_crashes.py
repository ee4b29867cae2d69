"""A broker that died: the report says `down` and why, its crashes stay in the history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kafka_vmtune import settings
from kafka_vmtune.contracts import HostReport
from kafka_vmtune.facts.gather import gather
from kafka_vmtune.facts.systemd import is_down
from kafka_vmtune.plan.plan import make_plan
from kafka_vmtune.report.fleet_render import summary_lines
from kafka_vmtune.report.fleet_rows import build_fleet, host_row
from kafka_vmtune.report.fleet_rules import problem_hosts
from kafka_vmtune.report.host_report import build
from kafka_vmtune.sizing.host import size_host

FAILED_UNIT = {
    "unit": "kafka.service",
    "active": "failed",
    "sub": "failed",
    "result": "core-dump",
    "exit_status": 134,
    "restarts": 3,
    "main_pid": 0,
}
MAP_CRASH = {
    "time": "2026-11-28T04:57:07+00:00",
    "pid": 13479,
    "cause": "vm.max_map_count",
    "map_areas": 65531,
    "max_map_count_at_crash": 65530,
    "evidence": ["/tmp/hs_err_pid13479.log"],
    "detail": "65531 map areas at the crash, limit 65530",
}


def report_for(tmp_path: Path, **facts: Any) -> HostReport:
    """A real host report of this machine (no broker here), with the broker's fate set."""
    opts = settings.parse_all({"root": str(tmp_path), "pid": None})
    base = gather(
        pid=None,
        unit=None,
        server_properties=None,
        proc="/proc",
        root=str(tmp_path),
        sysctl_file=str(opts["sysctl_file"]),
    )
    f = base._replace(process=None, broker_pid=None, other_pids=[], **facts)
    sizing = size_host(
        f,
        headroom=1.5,
        floor=262144,
        warn_ratio=0.7,
        critical_ratio=0.9,
        connections=1000,
    )
    return build(f, sizing, make_plan(f, sizing, opts).as_dict())


def test_a_failed_unit_without_a_jvm_is_down_and_critical(tmp_path: Path) -> None:
    report = report_for(tmp_path, service=FAILED_UNIT)
    assert report["down"] is True
    assert report["status"]["level"] == "critical"
    assert any("broker down: kafka.service is failed" in r for r in report["status"]["reasons"])
    row = host_row("broker1", {"state": "reported", "report": report})
    assert row.state == "down"
    fleet = build_fleet({"broker1": {"state": "reported", "report": report}})
    assert fleet.summary.states["down"] == 1
    assert problem_hosts(fleet.rows) == ["broker1"]
    # tune-vm.yml (policy auto/always) starts it instead of stopping on it.
    assert problem_hosts(fleet.rows, fail_on_down=False, fail_on_critical=False) == []


def test_a_running_or_unknown_unit_is_not_down() -> None:
    assert not is_down(None)
    assert not is_down(dict(FAILED_UNIT, active="active"))
    assert is_down(dict(FAILED_UNIT, active="inactive"))


def test_a_map_crash_at_the_current_limit_is_critical_and_kept(tmp_path: Path) -> None:
    live = int(Path("/proc/sys/vm/max_map_count").read_text())
    crash = dict(MAP_CRASH, max_map_count_at_crash=live)
    report = report_for(tmp_path, crashes=[crash])
    assert report["crashes"] == [crash]
    reasons = " ".join(report["status"]["reasons"])
    assert f"of map exhaustion (65531 areas, limit {live}); the limit is still {live}" in reasons
    assert report["status"]["level"] == "critical"
    row = host_row("b", {"state": "reported", "report": report})
    assert row.measured.crashes == 1
    assert row.measured.last_crash == "2026-11-28T04:57:07+00:00 vm.max_map_count"
    assert "last crash 2026-11-28T04:57:07+00:00 vm.max_map_count" in "\n".join(
        summary_lines(build_fleet({"b": {"state": "reported", "report": report}}))
    )


def test_a_map_crash_below_a_raised_limit_only_warns(tmp_path: Path) -> None:
    report = report_for(tmp_path, crashes=[dict(MAP_CRASH, max_map_count_at_crash=1000)])
    reasons = " ".join(report["status"]["reasons"])
    assert "the limit is now" in reasons
    assert report["status"]["level"] == "warn"
