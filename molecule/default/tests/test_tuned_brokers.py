"""After `molecule check`, converge and idempotence on three unprivileged broker hosts.

Runs through testinfra's podman:// backend (hosts in the verifier options of molecule.yml);
the control-node reports are read from the scenario's ephemeral directory.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import testinfra.host

SYSCTL_FILE = "/etc/sysctl.d/60-kafka-vmtune.conf"
OVERRIDE_FILE = "/etc/sysctl.d/99-zzz-override.conf"
# Host (container) names end with the test run's id (molecule.yml), so runs can share a machine.
RUN_ID = os.environ.get("KVT_RUN_ID", "manual")


def named(base: str) -> str:
    return f"{base}-{RUN_ID}"


OVERRIDDEN_HOST = named("kvt-broker3")  # prepare.yml plants OVERRIDE_FILE there only
BROKERS = tuple(named(f"kvt-broker{i}") for i in (1, 2, 3))
FLOOR = 262144
# Each host runs its own Debian release (molecule.yml): (Debian major, Python major.minor).
RELEASES = {
    named("kvt-broker1"): ("11", "3.9"),  # bullseye
    named("kvt-broker2"): ("12", "3.11"),  # bookworm
    named("kvt-broker3"): ("13", "3.13"),  # trixie
}
REPORTS = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "reports"


def reports() -> list[dict[str, Any]]:
    """Every capacity.json of this scenario run, oldest first (check, converge, idempotence)."""
    docs = [
        json.loads(p.read_text())
        for p in REPORTS.glob("*/capacity.json")
        if not p.parent.is_symlink()  # latest -> the newest
    ]
    return sorted(docs, key=lambda d: str(d["generated_at"]))


def row(doc: dict[str, Any], name: str) -> dict[str, Any]:
    rows = [r for r in doc["hosts"] if r["host"] == name]
    assert len(rows) == 1, f"{name}: {len(rows)} rows in the report"
    return rows[0]


def latest() -> dict[str, Any]:
    return json.loads((REPORTS / "latest" / "capacity.json").read_text())


def name_of(host: testinfra.host.Host) -> str:
    return str(host.backend.get_hostname())


def sysctl_value(text: str) -> int | None:
    """The last vm.max_map_count assignment in sysctl.d syntax, as systemd-sysctl applies it."""
    value = None
    for line in text.splitlines():
        key, sep, val = line.strip().lstrip("-").partition("=")
        if sep and key.strip() == "vm.max_map_count" and not line.lstrip().startswith(("#", ";")):
            value = int(val.strip())
    return value


def prepared_pid(host: testinfra.host.Host) -> int:
    """The broker's MainPID recorded at the end of prepare.yml."""
    return int(host.file("/var/lib/kvt-prepared").content_string.split()[0])


@pytest.fixture(scope="module")
def interpreters() -> dict[str, dict[str, Any]]:
    """What Ansible finds on each host with the scenario's own settings: the interpreter
    it runs every module of tune-vm.yml with (kafka_facts included) and the distribution."""
    result = subprocess.run(
        [
            *("ansible", "kafka_brokers", "-i", os.environ["MOLECULE_INVENTORY_FILE"]),
            *("-m", "ansible.builtin.setup", "-a", "gather_subset=!all", "--one-line"),
        ],
        cwd=os.environ["MOLECULE_PROJECT_DIRECTORY"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    # One line per host: "NAME | SUCCESS => {JSON result}".
    found: dict[str, dict[str, Any]] = {}
    for line in result.stdout.splitlines():
        name, sep, doc = line.partition(" | SUCCESS => ")
        if sep:
            found[name] = json.loads(doc)["ansible_facts"]
    return found


@pytest.mark.parametrize("broker", BROKERS)
def test_each_broker_ran_on_its_release_and_python(
    broker: str, interpreters: dict[str, dict[str, Any]]
) -> None:
    debian, python = RELEASES[broker]
    facts = interpreters[broker]
    assert facts["ansible_distribution"] == "Debian"
    assert facts["ansible_distribution_major_version"] == debian
    ran = facts["ansible_python"]
    assert ran["executable"] == "/usr/bin/python3"
    assert "{major}.{minor}".format(**ran["version"]) == python
    # ... and the modules of every run worked there: measured, applied, reported.
    for doc in reports():
        assert row(doc, broker)["kafka"] is True, row(doc, broker)


def test_the_host_code_was_compiled_once_for_the_hosts_python(host: testinfra.host.Host) -> None:
    """kafka_vmtune.payload_cache: the modules' later runs import bytecode, not the zip."""
    _, python = RELEASES[name_of(host)]
    tag = "cpython-" + python.replace(".", "")
    cache = host.file("/root/.cache/kafka-vmtune/python")
    assert (cache.user, cache.mode) == ("root", 0o700)
    copies = [c for c in cache.listdir() if not c.startswith(".")]
    assert copies and all(c.startswith(tag + "-") for c in copies), copies
    # Every host module ships errors.py; kafka_facts ships the measuring code.
    for copy in copies:
        assert host.file(f"{cache.path}/{copy}/__pycache__/errors.{tag}.pyc").is_file, copy
    gather = [f"{cache.path}/{c}/facts/__pycache__/gather.{tag}.pyc" for c in copies]
    assert any(host.file(g).is_file for g in gather), copies


def test_sysctl_file_is_ours_with_the_recommended_value(host: testinfra.host.Host) -> None:
    f = host.file(SYSCTL_FILE)
    assert f.is_file
    assert (f.user, f.group, f.mode) == ("root", "root", 0o644)
    value = sysctl_value(f.content_string)
    r = row(latest(), name_of(host))
    assert value == r["recommended"]
    assert value is not None and value >= FLOOR


def test_boot_value_matches_systemd_sysctl_order(host: testinfra.host.Host) -> None:
    # systemd's own listing of the files it applies at boot, in its order; last one wins.
    cat = host.run_test("systemd-analyze cat-config sysctl.d")
    boot = sysctl_value(cat.stdout)
    r = row(latest(), name_of(host))
    assert r["boot_value"] == boot
    if name_of(host) == OVERRIDDEN_HOST:
        assert boot == 65530
        assert r["overridden_by"] == [OVERRIDE_FILE]
        assert r["state"] in ("warn", "critical"), "the overridden host must be flagged"
    else:
        assert boot == sysctl_value(host.file(SYSCTL_FILE).content_string)
        assert r["overridden_by"] == []
        assert r["state"] == "ok", r["reasons"]


def test_live_value_is_reported_as_not_applied(host: testinfra.host.Host) -> None:
    # Unprivileged container: /proc/sys is read-only, the report must say so, not pretend.
    assert host.run("echo 300000 > /proc/sys/vm/max_map_count").rc != 0
    converge = reports()[1]
    r = row(converge, name_of(host))
    assert r["read_only"] is True
    assert "read-only" in r["change"], r["change"]
    assert "raise live" not in r["change"], r["change"]


def test_broker_kept_running_with_its_mappings(host: testinfra.host.Host) -> None:
    # vm.max_map_count needs no restart: the same broker process is still there.
    pid = prepared_pid(host)
    assert host.run_test("systemctl show -p MainPID --value kafka.service").stdout.strip() == str(
        pid
    )
    r = row(latest(), name_of(host))
    assert r["kafka"] is True
    assert r["version"] == "4.0.0"
    assert r["index_areas"] > 0
    assert r["used"] > r["index_areas"]


@pytest.mark.parametrize("broker", BROKERS)
def test_reports_have_one_row_per_broker(broker: str) -> None:
    docs = reports()
    assert [d["mode"] for d in docs] == ["check", "apply", "apply"], "check, converge, idempotence"
    for doc in docs:
        assert sorted(r["host"] for r in doc["hosts"]) == sorted(BROKERS)
        assert doc["summary"]["hosts"] == len(BROKERS)
    md = (REPORTS / "latest" / "capacity.md").read_text()
    assert f"| {broker} |" in md


def test_overriding_file_is_flagged_in_the_markdown() -> None:
    md = (REPORTS / "latest" / "capacity.md").read_text()
    section = md.split(f"### {OVERRIDDEN_HOST}", 1)
    assert len(section) == 2, f"no notes section for {OVERRIDDEN_HOST}"
    notes = section[1].split("\n### ", 1)[0]
    assert f"overridden at boot by: {OVERRIDE_FILE}" in notes
    for other in set(BROKERS) - {OVERRIDDEN_HOST}:
        assert OVERRIDE_FILE not in md.split(f"### {other}", 1)[-1].split("\n### ", 1)[0]


def test_dry_run_planned_what_converge_then_did() -> None:
    check, converge, again = reports()
    for broker in BROKERS:
        planned, done = row(check, broker), row(converge, broker)
        assert planned["changes"] is True, planned["change"]
        assert done["changes"] is True, done["change"]
        # Nothing was written by the dry run: the boot value was still the kernel default.
        assert planned["boot_value"] in (None, 65530)
        assert row(again, broker)["changes"] is False, row(again, broker)["change"]


def test_reboot_check_fails_the_overridden_host_and_only_it(tmp_path: Path) -> None:
    # The scenario turns the reboot check off on the overridden host so the run completes;
    # with it on (the default), a dry run must fail that host, name the file, and still
    # report the others.
    inventory = Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent
    result = subprocess.run(
        [
            "ansible-playbook",
            "--check",
            "-i",
            str(inventory),
            "-e",
            "kafka_vmtune_verify_boot=true",
            "-e",
            f"kafka_vmtune_report_dir={tmp_path}",
            "-e",
            "kafka_vmtune_report_name=verify",
            "tune-vm.yml",
        ],
        cwd=os.environ["MOLECULE_PROJECT_DIRECTORY"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode != 0, result.stdout[-3000:]
    doc = json.loads((tmp_path / "verify" / "capacity.json").read_text())
    flagged = row(doc, OVERRIDDEN_HOST)
    assert flagged["state"] == "failed"
    assert OVERRIDE_FILE in str(flagged["error"]), flagged
    for other in set(BROKERS) - {OVERRIDDEN_HOST}:
        assert row(doc, other)["state"] == "ok", row(doc, other)


# Last, as it crashes a broker: the incident, found, diagnosed and recovered.
CRASHED = named("kvt-broker2")


def playbook(*args: str, tmp: Path, name: str) -> subprocess.CompletedProcess[str]:
    project = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
    env = dict(
        os.environ,
        # The stand-in admin answers for a healthy cluster (no Kafka here), behind the same
        # KafkaAdmin interface the roll uses; the unit, systemd and the roll are real.
        PYTHONPATH=f"{project / 'tests' / 'support'}:{project / 'python'}",
        KAFKA_VMTUNE_TEST_ADMIN="standin_admin:StandInAdmin",
    )
    return subprocess.run(
        [
            *("ansible-playbook", "-i", str(Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent)),
            *("-e", f"kafka_vmtune_report_dir={tmp}", "-e", f"kafka_vmtune_report_name={name}"),
            *("-e", "kafka_vmtune_verify_boot=false", *args),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def wait_for(host: testinfra.host.Host, command: str, want: str, seconds: int = 60) -> str:
    out = ""
    for _ in range(seconds * 2):
        out = host.run(command).stdout.strip()
        if out == want:
            return out
        host.run("sleep 0.5")
    return out


def test_a_broker_that_crashed_is_down_diagnosed_and_started_by_tune_vm(tmp_path: Path) -> None:
    crashed = testinfra.get_host(f"podman://{CRASHED}")
    # A unit that does not restart its broker (as one past its start limit), then a crash:
    # the JVM dies on a SIGSEGV and writes its own hs_err file.
    dropin = "/etc/systemd/system/kafka.service.d/90-no-restart.conf"
    crashed.run(
        f"mkdir -p {os.path.dirname(dropin)} && printf '[Service]\\nRestart=no\\n' > {dropin}"
        " && systemctl daemon-reload"
    )
    assert crashed.run("systemctl kill -s SIGSEGV kafka.service").rc == 0
    state = wait_for(crashed, "systemctl is-active kafka.service", "failed")
    assert state == "failed", crashed.run("systemctl status kafka.service").stdout

    # Found: the capacity check reports the broker down, with its crash, and fails.
    check = playbook("playbooks/capacity_check.yml", tmp=tmp_path, name="down")
    assert check.returncode != 0, check.stdout[-3000:]
    down = row(json.loads((tmp_path / "down" / "capacity.json").read_text()), CRASHED)
    assert down["state"] == "down", down
    assert down["crashes"] >= 1 and "signal" in str(down["last_crash"]), down

    # Recovered: tune-vm.yml (policy auto) starts it through the roll's after-start checks.
    tune = playbook(
        *("-e", "kafka_vmtune_bootstrap_servers=stand-in"),
        "tune-vm.yml",
        tmp=tmp_path,
        name="recover",
    )
    assert tune.returncode == 0, tune.stdout[-4000:]
    assert "down: start it and see it back (recovery)" in tune.stdout
    assert wait_for(crashed, "systemctl is-active kafka.service", "active") == "active"

    # Afterwards the broker runs and its crash history is kept.
    after = playbook("playbooks/capacity_check.yml", tmp=tmp_path, name="after")
    again = row(json.loads((tmp_path / "after" / "capacity.json").read_text()), CRASHED)
    assert again["state"] != "down" and again["kafka"] is True, again
    assert again["crashes"] >= 1, again
    assert after.returncode in (0, 2), after.stdout[-3000:]
    crashed.run(f"rm -f {dropin} && systemctl daemon-reload")
