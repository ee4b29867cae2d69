"""The fleet capacity report from real host reports (inspect_host on this machine)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kafka_vmtune import settings
from kafka_vmtune.pipeline import inspect_host
from kafka_vmtune.plan.plan import make_plan
from kafka_vmtune.report import fleet_report


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return inspect_host(root=str(tmp_path_factory.mktemp("root")))


def variant(report: dict[str, Any], **sysctl: Any) -> dict[str, Any]:
    out = copy.deepcopy(report)
    out["sysctl"].update(sysctl)
    return replan(out)


def replan(report: dict[str, Any]) -> dict[str, Any]:
    """The plan made again from the edited facts, as kafka_facts makes it."""
    report["plan"] = make_plan(report, settings.parse_all({})).as_dict()
    return report


def with_level(report: dict[str, Any], level: str) -> dict[str, Any]:
    out = copy.deepcopy(report)
    out["status"]["level"] = level
    return out


def fleet_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        "broker-ok": {"state": "reported", "report": with_level(report, "ok")},
        "broker-critical": {"state": "reported", "report": with_level(report, "critical")},
        "broker-gone": {"state": "unreachable", "error": "ssh: connect timed out"},
        "broker-broken": {"state": "failed", "error": "cannot read /proc/4242/maps"},
        "broker-ro": {"state": "reported", "report": variant(report, writable=False)},
    }


def test_every_host_is_a_row_and_none_is_a_silent_success(report: dict[str, Any]) -> None:
    doc = fleet_report.build_fleet(fleet_of(report), mode="report")
    rows = {r["host"]: r for r in doc["hosts"]}
    assert set(rows) == set(fleet_of(report))
    assert rows["broker-gone"]["state"] == "unreachable"
    assert rows["broker-gone"]["error"] == "ssh: connect timed out"
    assert rows["broker-broken"]["state"] == "failed"
    assert rows["broker-critical"]["state"] == "critical"
    assert rows["broker-ro"]["read_only"] is True
    # Worst first: an operator reads the problems before the healthy brokers.
    order = [r["state"] for r in doc["hosts"]]
    ranks = [fleet_report.STATES.index(state) for state in order]
    assert ranks == sorted(ranks)
    assert order[0] == "unreachable"
    assert order.index("critical") < [r["host"] for r in doc["hosts"]].index("broker-ok")
    assert doc["summary"]["unreachable"] == 1
    assert doc["summary"]["failed"] == 1
    assert doc["summary"]["critical"] == 1
    assert doc["summary"]["read_only"] == 1


def test_problems_decide_the_exit(report: dict[str, Any]) -> None:
    doc = fleet_report.build_fleet(fleet_of(report))
    assert set(fleet_report.problem_hosts(doc)) == {
        "broker-gone",
        "broker-broken",
        "broker-critical",
    }
    assert set(fleet_report.problem_hosts(doc, fail_on_critical=False)) == {
        "broker-gone",
        "broker-broken",
    }
    healthy = fleet_report.build_fleet({"b": {"state": "reported", "report": report}})
    assert fleet_report.problem_hosts(healthy, fail_on_critical=False) == []


def test_a_host_without_kafka_is_shown_as_such(report: dict[str, Any]) -> None:
    no_kafka = copy.deepcopy(report)
    no_kafka["kafka"]["found"] = False
    no_kafka["status"]["level"] = "ok"
    row = fleet_report.build_fleet({"h": {"state": "reported", "report": no_kafka}})["hosts"][0]
    assert row["state"] == "no-kafka"
    md = fleet_report.render_markdown(
        fleet_report.build_fleet({"h": {"state": "reported", "report": no_kafka}})
    )
    assert "no Kafka broker found on this host" in md


def test_the_report_numbers_are_the_host_reports(report: dict[str, Any]) -> None:
    row = fleet_report.build_fleet({"b": {"state": "reported", "report": report}})["hosts"][0]
    assert row["limit"] == report["sysctl"]["live"]
    assert row["required"] == report["model"]["required"]
    assert row["recommended"] == report["recommendation"]["recommended"]
    assert row["used"] == (report["maps"] or {}).get("total")
    assert row["threads"] == (report["process"] or {}).get("threads")


def test_capacity_check_says_what_tune_would_change(report: dict[str, Any]) -> None:
    low = variant(report, live=65530, boot_value=None, ours_value=None, writable=True)
    low["recommendation"]["recommended"] = 262144
    replan(low)
    row = fleet_report.host_row("b", {"state": "reported", "report": low})
    assert "would raise live 65530 -> 262144" in row["change"]
    assert "would persist 262144" in row["change"]
    done = variant(report, live=262144, boot_value=262144, ours_value=262144)
    done["recommendation"]["recommended"] = 262144
    replan(done)
    row = fleet_report.host_row("b", {"state": "reported", "report": done})
    assert row["change"].startswith("nothing")
    assert row["changes"] is False
    ro = variant(low, writable=False)
    assert "read-only" in fleet_report.host_row("b", {"state": "reported", "report": ro})["change"]


def test_a_recorded_change_is_told_as_done_or_would(report: dict[str, Any]) -> None:
    change = {
        "check_mode": True,
        "sysctl": {
            "file": "/etc/sysctl.d/60-kafka-vmtune.conf",
            "file_action": "write",
            "file_value_before": None,
            "target": 262144,
            "live_before": 65530,
            "live_action": "read-only",
            "boot_value": 65530,
            "boot_ok": False,
            "overridden_by": ["/etc/sysctl.d/99-legacy.conf"],
        },
    }
    row = fleet_report.host_row("b", {"state": "reported", "report": report, "change": change})
    assert "would write /etc/sysctl.d/60-kafka-vmtune.conf (absent -> 262144)" in row["change"]
    assert "/proc/sys is read-only" in row["change"]
    assert "overridden by /etc/sysctl.d/99-legacy.conf" in row["change"]
    applied = copy.deepcopy(change)
    applied["check_mode"] = False
    row = fleet_report.host_row("b", {"state": "reported", "report": report, "change": applied})
    assert row["change"].startswith("write /etc/sysctl.d/60-kafka-vmtune.conf")


def test_written_files_round_trip(report: dict[str, Any], tmp_path: Path) -> None:
    doc = fleet_report.build_fleet(
        fleet_of(report), mode="check", generated_at="2026-01-01T00:00:00Z"
    )
    md, js = fleet_report.write_fleet_report(doc, str(tmp_path / "r1"))
    assert json.loads(Path(js).read_text(encoding="utf-8")) == json.loads(json.dumps(doc))
    text = Path(md).read_text(encoding="utf-8")
    for host in fleet_of(report):
        assert f"| {host} |" in text
    assert "ssh: connect timed out" in text
    assert fleet_report.point_latest(str(tmp_path / "r1")) == str(tmp_path / "latest")
    assert (tmp_path / "latest" / "capacity.md").read_text(encoding="utf-8") == text
    fleet_report.write_fleet_report(doc, str(tmp_path / "r2"))
    fleet_report.point_latest(str(tmp_path / "r2"))
    assert (tmp_path / "latest").resolve() == (tmp_path / "r2").resolve()


def test_summary_lines_align_columns(report: dict[str, Any]) -> None:
    lines = fleet_report.summary_lines(fleet_report.build_fleet(fleet_of(report)))
    header, *rows, total = lines
    start = header.index("limit")
    assert all(len(r) > start for r in rows)
    assert len(rows) == len(fleet_of(report))
    assert total.startswith("5 hosts:")


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        fleet_report.build_fleet({}, mode="apply-now")
