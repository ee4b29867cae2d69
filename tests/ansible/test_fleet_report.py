"""The fleet capacity report from real host reports (inspect_host on this machine)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from machine_facts import machine_facts, sized
from repo import REPO

from kafka_vmtune import settings
from kafka_vmtune.pipeline import inspect_host
from kafka_vmtune.plan.plan import make_plan
from kafka_vmtune.report import fleet_files, fleet_render, fleet_report, fleet_rules
from kafka_vmtune.report.fleet_rows import STATES, build_fleet, host_row
from kafka_vmtune.sizing.recommend import MapRecommendation

OPTIONS = settings.parse_all({})
# This machine's facts (no broker here): replan() varies their sysctl part and recommendation.
FACTS = machine_facts("/nonexistent-kafka-vmtune-root")
SIZING = sized(FACTS)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return inspect_host(root=str(tmp_path_factory.mktemp("root")))


def variant(report: dict[str, Any], **sysctl: Any) -> dict[str, Any]:
    out = copy.deepcopy(report)
    out["sysctl"].update(sysctl)
    return replan(out)


def replan(report: dict[str, Any]) -> dict[str, Any]:
    """The plan made again from the edited facts, by the function kafka_facts runs."""
    sysctl, rec = report["sysctl"], report["recommendation"]
    facts = FACTS._replace(live=sysctl["live"], sysctl=sysctl)
    keys = ("live", "required", "floor", "recommended", "action", "reason")
    sizing = SIZING._replace(map_count=MapRecommendation(*(rec[k] for k in keys)))
    report["plan"] = make_plan(facts, sizing, OPTIONS).as_dict()
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
    fleet = build_fleet(fleet_of(report), mode="report")
    rows = {r.host: r for r in fleet.rows}
    assert set(rows) == set(fleet_of(report))
    assert rows["broker-gone"].state == "unreachable"
    assert rows["broker-gone"].error == "ssh: connect timed out"
    assert rows["broker-broken"].state == "failed"
    assert rows["broker-critical"].state == "critical"
    assert rows["broker-ro"].measured.read_only is True
    # Worst first: an operator reads the problems before the healthy brokers.
    order = [r.state for r in fleet.rows]
    ranks = [STATES.index(state) for state in order]
    assert ranks == sorted(ranks)
    assert order[0] == "unreachable"
    assert order.index("critical") < [r.host for r in fleet.rows].index("broker-ok")
    # capacity.json says the same.
    doc = fleet.as_json()
    assert [r["host"] for r in doc["hosts"]] == [r.host for r in fleet.rows]
    assert doc["hosts"][0]["error"] == "ssh: connect timed out"
    assert doc["summary"]["unreachable"] == 1
    assert doc["summary"]["failed"] == 1
    assert doc["summary"]["critical"] == 1
    assert doc["summary"]["read_only"] == 1


def test_problems_decide_the_exit(report: dict[str, Any]) -> None:
    rows = build_fleet(fleet_of(report)).rows
    assert set(fleet_rules.problem_hosts(rows)) == {
        "broker-gone",
        "broker-broken",
        "broker-critical",
    }
    assert set(fleet_rules.problem_hosts(rows, fail_on_critical=False)) == {
        "broker-gone",
        "broker-broken",
    }
    healthy = build_fleet({"b": {"state": "reported", "report": report}}).rows
    assert fleet_rules.problem_hosts(healthy, fail_on_critical=False) == []
    message = fleet_rules.problem_message(rows, ["broker-gone"], "/r/capacity.md")
    assert message == "1 host(s) need attention: broker-gone (unreachable). See /r/capacity.md"


def test_a_host_without_kafka_is_shown_as_such(report: dict[str, Any]) -> None:
    no_kafka = copy.deepcopy(report)
    no_kafka["kafka"]["found"] = False
    no_kafka["status"]["level"] = "ok"
    fleet = build_fleet({"h": {"state": "reported", "report": no_kafka}})
    assert fleet.rows[0].state == "no-kafka"
    md = fleet_render.render_markdown(fleet)
    assert "no Kafka broker found on this host" in md


def test_the_report_numbers_are_the_host_reports(report: dict[str, Any]) -> None:
    fleet = build_fleet({"b": {"state": "reported", "report": report}})
    row = fleet.as_json()["hosts"][0]
    assert row["live"] == report["sysctl"]["live"]
    assert row["required"] == report["model"]["required"]
    assert row["recommended"] == report["recommendation"]["recommended"]
    assert row["nofile_recommended"] == report["recommendation"]["nofile"]["recommended"]
    assert row["used"] == (report["maps"] or {}).get("total")
    assert row["threads"] == (report["process"] or {}).get("threads")
    assert row["level"] == report["status"]["level"]
    assert row["reasons"] == report["status"]["reasons"]


def test_capacity_check_says_what_tune_would_change(report: dict[str, Any]) -> None:
    low = variant(report, live=65530, boot_value=None, ours_value=None, writable=True)
    low["recommendation"]["recommended"] = 262144
    replan(low)
    row = host_row("b", {"state": "reported", "report": low})
    assert "would raise live 65530 -> 262144" in row.change
    assert "would persist 262144" in row.change
    done = variant(report, live=262144, boot_value=262144, ours_value=262144, ours_managed=True)
    done["recommendation"]["recommended"] = 262144
    replan(done)
    row = host_row("b", {"state": "reported", "report": done})
    assert row.change.startswith("nothing")
    assert row.changes is False
    ro = variant(low, writable=False)
    assert "read-only" in host_row("b", {"state": "reported", "report": ro}).change


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
        "restart_due": True,
        "restart_reasons": ["the vm.max_map_count limit was raised"],
    }
    row = host_row("b", {"state": "reported", "report": report, "change": change})
    assert "would write /etc/sysctl.d/60-kafka-vmtune.conf (absent -> 262144)" in row.change
    assert "/proc/sys is read-only" in row.change
    assert "overridden by /etc/sysctl.d/99-legacy.conf" in row.change
    assert "restart due: the vm.max_map_count limit was raised" in row.change
    applied = copy.deepcopy(change)
    applied["check_mode"] = False
    row = host_row("b", {"state": "reported", "report": report, "change": applied})
    assert row.change.startswith("write /etc/sysctl.d/60-kafka-vmtune.conf")
    assert row.changes is True


def test_written_files_round_trip(report: dict[str, Any], tmp_path: Path) -> None:
    fleet = build_fleet(fleet_of(report), mode="check", generated_at="2026-01-01T00:00:00Z")
    md, js = fleet_report.write_fleet_report(fleet, str(tmp_path / "r1"))
    doc = json.loads(Path(js).read_text(encoding="utf-8"))
    assert doc == json.loads(json.dumps(fleet.as_json()))
    assert doc["schema"] == 2 and doc["mode"] == "check"
    text = Path(md).read_text(encoding="utf-8")
    for host in fleet_of(report):
        assert f"| {host} |" in text
    assert "ssh: connect timed out" in text
    assert fleet_files.point_latest(str(tmp_path / "r1")) == str(tmp_path / "latest")
    assert (tmp_path / "latest" / "capacity.md").read_text(encoding="utf-8") == text
    fleet_report.write_fleet_report(fleet, str(tmp_path / "r2"))
    fleet_files.point_latest(str(tmp_path / "r2"))
    assert (tmp_path / "latest").resolve() == (tmp_path / "r2").resolve()


def test_summary_lines_align_columns(report: dict[str, Any]) -> None:
    lines = fleet_render.summary_lines(build_fleet(fleet_of(report)))
    header = lines[0]
    end = header.index(" live") + len(" live")
    rows = [line for line in lines if line.split(" ", 1)[0] in fleet_of(report)]
    assert len(rows) == len(fleet_of(report))
    # Every row has its number right-aligned under the header's column, notes are indented
    # under the row.
    assert all(r[end - 1] != " " and r[end : end + 2] == "  " for r in rows), lines
    assert lines[-1].startswith("5 hosts:") or lines[-2].startswith("5 hosts:")


def long_fleet(report: dict[str, Any], name_len: int) -> dict[str, dict[str, Any]]:
    """Hosts with long FQDNs and long change texts, as a real fleet has."""
    long_error = "cannot read /proc/4242/maps: " + "permission denied by the LSM policy " * 4
    return {
        "b".ljust(name_len, "x") + ".ok": {"state": "reported", "report": with_level(report, "ok")},
        "b".ljust(name_len, "x") + ".ro": {
            "state": "reported", "report": variant(report, writable=False, boot_value=None),
        },
        "b".ljust(name_len, "x") + ".broken": {"state": "failed", "error": long_error},
    }  # fmt: skip


@pytest.mark.parametrize("name_len", [8, 40, 70])
def test_the_console_table_fits_120_columns_and_keeps_every_fact(
    report: dict[str, Any], name_len: int
) -> None:
    fleet = build_fleet(long_fleet(report, name_len), mode="check")
    lines = fleet_render.summary_lines(fleet)
    assert max(len(line) for line in lines) <= 120, "\n".join(lines)
    flat = " ".join(" ".join(lines).split())
    for row in fleet.rows:
        assert row.host in flat
        assert " ".join((row.error or row.change).split()) in flat
    # The Markdown report keeps the whole row, however wide.
    md = fleet_render.render_markdown(fleet)
    assert all(f"| {r.host} |" in md for r in fleet.rows)
    assert max(len(line) for line in md.splitlines()) > 120


def test_one_host_is_one_host_and_markdown_counts_changes(report: dict[str, Any]) -> None:
    fleet = build_fleet({"h1": {"state": "reported", "report": report}})
    assert fleet_render.summary_lines(fleet)[-1].startswith("1 host: ")
    md = fleet_render.render_markdown(fleet)
    assert "**1 host**: " in md
    assert f"{fleet.summary.changes} with changes." in md


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        build_fleet({}, mode="apply-now")


def test_an_unreadable_host_report_fails_its_host_only(report: dict[str, Any]) -> None:
    older = dict(copy.deepcopy(report), schema=report["schema"] - 1)
    broken = copy.deepcopy(report)
    del broken["sysctl"]["live"]
    fleet = build_fleet(
        {
            "old": {"state": "reported", "report": older},
            "broken": {"state": "reported", "report": broken},
            "fine": {"state": "reported", "report": report},
        }
    )
    rows = {r.host: r for r in fleet.rows}
    assert rows["old"].state == "failed"
    assert rows["old"].error == (
        f"host report schema {report['schema'] - 1}, this kafka-vmtune reads schema"
        f" {report['schema']}: run the same kafka-vmtune version on the hosts and here"
    )
    assert rows["broken"].state == "failed"
    assert rows["broken"].error == "not a kafka-vmtune host report: KeyError 'live'"
    assert rows["fine"].state != "failed"
    assert fleet_rules.problem_hosts(fleet.rows, fail_on_critical=False) == ["broken", "old"]


def test_an_ansible_error_is_reported_by_its_cause() -> None:
    entry = {"state": "unreachable", "error": "Task failed: Failed to connect to the host via ssh"}
    row = host_row("broker-gone", entry)
    assert row.error == "Failed to connect to the host via ssh"


WRITER = """
import json, sys
from ansible_collections.kafka_vmtune.kafka.plugins.action.capacity_report import write
params = json.load(open(sys.argv[1]))
for _ in range(10):
    result = write(dict(params))
    print(result.get("msg") if result.get("failed") else result["json"], flush=True)
"""


def _concurrent_runs(params: dict[str, Any], tmp_path: Path) -> tuple[list[str], int]:
    """4 runs x 10 reports at once (the capacity_report action's write(), as each playbook
    run calls it) while a reader keeps reading the newest report."""
    import os
    import subprocess
    import sys

    args = tmp_path.parent / f"{tmp_path.name}-params.json"
    args.write_text(json.dumps(params), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO / ".cache/collections"))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=tmp_path.parent,
        )
        for _ in range(4)
    ]
    torn = 0
    while any(w.poll() is None for w in writers):
        for path in (tmp_path / "latest" / "capacity.json", tmp_path / "same" / "capacity.json"):
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue
            except ValueError:
                torn += 1
    return [line for w in writers for line in w.communicate(timeout=60)[0].splitlines()], torn


@pytest.mark.parametrize("name", [None, "same"])
def test_concurrent_runs_lose_no_report_and_readers_never_see_half_a_file(
    report: dict[str, Any], tmp_path: Path, name: str | None
) -> None:
    params = {
        "hosts": fleet_of(report),
        "dest": str(tmp_path),
        "name": name,
        "mode": "report",
        "fail_on_critical": False,
        "fail_on_down": False,
        "generated_at": "",
    }
    written, torn = _concurrent_runs(params, tmp_path)
    assert torn == 0
    assert all(p.endswith("capacity.json") for p in written), written  # no run failed
    if name is None:  # each run a directory of its own, even within one second
        assert len(set(written)) == 40
        reports = [p for p in tmp_path.glob("*/capacity.json") if p.parent.name != "latest"]
        assert len(reports) == 40
    # No temporary file or link left behind.
    assert not [p for p in tmp_path.rglob(".*")], list(tmp_path.rglob(".*"))
