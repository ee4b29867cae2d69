"""The map_count_exporter role: off by default, honest in check mode, idempotent, and what
it installs runs on the host's own python3 with nothing but the standard library."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .conftest import Sandbox

pytestmark = pytest.mark.ansible

PLAY = "tests/ansible/playbooks/map_count_exporter_only.yml"
UNITS = "etc/systemd/system"


def test_off_by_default_installs_nothing(sandbox: Sandbox) -> None:
    before = sandbox.managed_files()
    run = sandbox.run(PLAY)
    assert run.rc == 0, run.output
    assert run.recap()["localhost"]["changed"] == 0
    assert sandbox.managed_files() == before


def test_check_mode_writes_nothing_then_install_is_idempotent(sandbox: Sandbox) -> None:
    before = sandbox.managed_files()
    checked = sandbox.run(PLAY, "--check", "--diff", kafka_vmtune_exporter_enabled=True)
    assert checked.rc == 0, checked.output
    assert checked.recap()["localhost"]["changed"] > 0
    assert "would install, enable and start kafka-vmtune-exporter.timer" in checked.flat
    assert sandbox.managed_files() == before

    first = sandbox.run(PLAY, kafka_vmtune_exporter_enabled=True, kafka_vmtune_unit="kafka.service")
    assert first.rc == 0, first.output
    service = (sandbox.root / UNITS / "kafka-vmtune-exporter.service").read_text()
    assert (
        "ExecStart=/usr/local/bin/kafka-vmtune check --prometheus"
        " /var/lib/prometheus/node-exporter/kafka_vmtune.prom --unit kafka.service" in service
    )
    timer = (sandbox.root / UNITS / "kafka-vmtune-exporter.timer").read_text()
    assert "OnUnitActiveSec=1min" in timer
    package = sandbox.root / "usr/local/lib/kafka-vmtune/kafka_vmtune"
    assert (package / "facts" / "crashes.py").is_file()
    assert not list(package.rglob("__pycache__"))

    again = sandbox.run(PLAY, kafka_vmtune_exporter_enabled=True, kafka_vmtune_unit="kafka.service")
    assert again.rc == 0, again.output
    assert again.recap()["localhost"]["changed"] == 0


def test_the_installed_command_runs_on_the_hosts_python(sandbox: Sandbox) -> None:
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        pytest.skip("no system python3")
    run = sandbox.run(PLAY, kafka_vmtune_exporter_enabled=True)
    assert run.rc == 0, run.output
    prom = sandbox.path / "kafka_vmtune.prom"
    launcher = sandbox.root / "usr/local/bin/kafka-vmtune"
    # A clean environment: no venv, only the copied package (as at its real place).
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(sandbox.root / "usr/local/lib/kafka-vmtune")}
    r = subprocess.run(
        [python, str(launcher), "check", "--prometheus", str(prom)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode in (0, 1, 2), r.stdout + r.stderr
    text = prom.read_text()
    assert "kafka_vmtune_max_map_count" in text
    assert 'kafka_vmtune_crashes{cause="vm.max_map_count"}' in text


def test_a_bad_interval_stops_before_anything_is_written(sandbox: Sandbox) -> None:
    before = sandbox.managed_files()
    run = sandbox.run(
        PLAY, kafka_vmtune_exporter_enabled=True, kafka_vmtune_exporter_interval="every minute"
    )
    assert run.rc != 0
    assert "kafka_vmtune_exporter_interval must be a systemd time span" in run.flat
    assert sandbox.managed_files() == before
