"""The shipped Prometheus alert rules: each one tested by promtool, on the metrics the
tool really writes (not on names typed twice)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest
import yaml
from crash_support import CLI, at_limit_hs_err, evidence_dir, isolated, planted
from repo import REPO
from standin_broker import standin_shell

RULES = REPO / "prometheus" / "kafka-vmtune.rules.yml"
RULE_TESTS = REPO / "prometheus" / "kafka-vmtune.rules.test.yml"
# node_exporter's own metric about the textfile (KafkaVmtuneMetricsStale).
NODE_EXPORTER = {"node_textfile_mtime_seconds"}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("promtool") is None:
        pytest.skip("needs promtool (Debian package prometheus; ./run.sh test installs it)")
    return subprocess.run(
        ["promtool", *args],
        cwd=RULES.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rules() -> list[dict[str, str]]:
    doc = yaml.safe_load(RULES.read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def test_rules_are_valid_and_every_rule_test_passes() -> None:
    checked = promtool("check", "rules", RULES.name)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", RULE_TESTS.name)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_has_a_case_that_fires_it() -> None:
    doc = yaml.safe_load(RULE_TESTS.read_text())
    firing = {
        case["alertname"]
        for test in doc["tests"]
        for case in test["alert_rule_test"]
        if case.get("exp_alerts")
    }
    assert firing == {r["alert"] for r in rules()}


def test_rules_use_only_metrics_that_check_writes() -> None:
    with evidence_dir() as out:
        # A host of its own: a stand-in broker, the incident's hs_err in its /tmp.
        hs_err = planted(out / "hs_err_pid8080.log", at_limit_hs_err(65531))
        prom = out / "kafka_vmtune.prom"
        # Its own /etc/sysctl.d too, so the boot value is known whatever this machine has.
        sysctl = (
            "mount -t tmpfs kvt-sysctl /etc/sysctl.d && echo vm.max_map_count=262144"
            " > /etc/sysctl.d/60-kafka-vmtune.conf"
        )
        check = shlex.join([str(CLI), "check", "--prometheus", str(prom)])
        r = isolated(
            f"{sysctl}; {standin_shell()}; {check} --pid $pid; kill $pid",
            {"hs_err_pid8080.log": hs_err},
        )
        assert prom.is_file(), r.stdout + r.stderr
        written = set(re.findall(r"^(kafka_vmtune_[a-z_]+)[{ ]", prom.read_text(), re.M))
    assert "kafka_vmtune_last_map_count_crash_timestamp_seconds" in written
    used = {m for r in rules() for m in re.findall(r"\b(?:kafka_vmtune|node)_[a-z_]+", r["expr"])}
    assert used - NODE_EXPORTER <= written, used - NODE_EXPORTER - written
    assert used & NODE_EXPORTER == NODE_EXPORTER
