"""tune-vm.yml and capacity_check.yml as an operator runs them, on this machine, in a sandbox."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from standin_broker import standin_broker

from .conftest import Sandbox

pytestmark = pytest.mark.ansible

VALUE_LINE = re.compile(r"^vm\.max_map_count = (\d+)$", re.M)


def written_value(path: Path) -> int:
    values = VALUE_LINE.findall(path.read_text(encoding="utf-8"))
    assert len(values) == 1, path.read_text(encoding="utf-8")
    return int(values[0])


def test_dry_run_changes_nothing_and_shows_the_planned_file(sandbox: Sandbox) -> None:
    run = sandbox.run("tune-vm.yml", "--check", "--diff")
    assert run.rc == 0, run.output[-4000:]
    row = sandbox.row()
    target = max(row["recommended"], row["live"])
    # --diff shows the one file and its value; nothing is written.
    assert f"+++ after: {sandbox.sysctl_file}" in run.flat
    assert f"+vm.max_map_count = {target}" in run.flat
    assert sandbox.managed_files() == []
    # The dry run's product: the report, marked as a check run, saying what would change.
    assert sandbox.capacity()["mode"] == "check"
    assert f"would write /etc/sysctl.d/60-kafka-vmtune.conf (absent -> {target})" in row["change"]
    assert "vm.max_map_count takes effect without a restart" in run.flat


def test_apply_writes_one_file_and_a_second_run_changes_nothing(sandbox: Sandbox) -> None:
    first = sandbox.run("tune-vm.yml")
    assert first.rc == 0, first.output[-4000:]
    assert sandbox.managed_files() == [sandbox.sysctl_file]
    row = sandbox.row()
    st = sandbox.sysctl_file.stat()
    assert stat.S_IMODE(st.st_mode) == 0o644
    assert (st.st_uid, st.st_gid) == (0, 0)
    text = sandbox.sysctl_file.read_text(encoding="utf-8")
    assert "Managed by kafka-vmtune" in text
    assert "systemd-sysctl" in text
    assert re.search(r"^#\s+S\s+segment index files", text, re.M), text
    value = written_value(sandbox.sysctl_file)
    assert value >= row["recommended"]
    # Live apply was off: the report says so instead of pretending.
    assert "live apply disabled" in row["change"]
    assert row["boot_value"] == value  # measured again after the change

    second = sandbox.run("tune-vm.yml", "-v")
    assert second.rc == 0, second.output[-4000:]
    assert second.recap()["localhost"]["changed"] == 0, second.output[-4000:]
    # Nothing changed, so nothing is measured again: the report shows the first measurement.
    measured = [t for t in second.tasks_run("kafka_facts") if t.startswith("Read the broker")]
    assert len(measured) == 1, second.output[-4000:]
    assert sandbox.row()["boot_value"] == value
    again = sandbox.run("tune-vm.yml", "--check", "--diff")
    assert again.rc == 0
    assert "+++ after" not in again.flat


def test_a_higher_value_already_set_is_kept(sandbox: Sandbox) -> None:
    sandbox.write("etc/sysctl.d/10-elasticsearch.conf", "vm.max_map_count = 1048576\n")
    run = sandbox.run("tune-vm.yml")
    assert run.rc == 0, run.output[-4000:]
    assert written_value(sandbox.sysctl_file) == 1048576
    assert "a higher value already set is kept" in run.flat


def test_a_later_file_setting_it_lower_fails_naming_that_file(sandbox: Sandbox) -> None:
    sandbox.write("etc/sysctl.d/99-zz-legacy.conf", "# old tuning\nvm.max_map_count=65530\n")
    for mode in (["--check"], []):
        run = sandbox.run("tune-vm.yml", *mode)
        assert run.rc != 0, run.output[-4000:]
        assert "/etc/sysctl.d/99-zz-legacy.conf" in run.flat
        assert "after a reboot" in run.flat
        row = sandbox.row()
        assert row["state"] == "failed"
        assert "99-zz-legacy.conf" in row["error"]
    # The real run wrote our file, then proved it would lose at boot, and said so.
    assert written_value(sandbox.sysctl_file) >= 262144


def test_a_same_named_file_earlier_in_the_order_masks_ours(sandbox: Sandbox) -> None:
    (sandbox.root / "etc/sysctl.d/60-kafka-vmtune.conf").symlink_to("/dev/null")
    run = sandbox.run(
        "tune-vm.yml", kafka_vmtune_sysctl_file="/usr/lib/sysctl.d/60-kafka-vmtune.conf"
    )
    assert run.rc != 0, run.output[-4000:]
    assert "overridden by /etc/sysctl.d/60-kafka-vmtune.conf" in run.flat
    assert "not read by systemd-sysctl" in run.flat


HEADROOM_RULE = "kafka_vmtune_headroom: must be a number >= 1 and <= 100"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        # A non-number gets the same words as an out-of-range number (the settings table).
        ("kafka_vmtune_headroom", "abc", HEADROOM_RULE + ", got 'abc'"),
        ("kafka_vmtune_headroom", 0.5, HEADROOM_RULE + ", got 0.5"),
        ("kafka_vmtune_apply_live", "maybe", "kafka_vmtune_apply_live: must be true or false"),
        ("kafka_vmtune_max_map_count", 1000, "kafka_vmtune_max_map_count: must be a whole number"),
        ("kafka_vmtune_malloc_arena_max", "two", "kafka_vmtune_malloc_arena_max: must be a whole"),
        ("kafka_vmtune_malloc_arena_max", 500, "kafka_vmtune_malloc_arena_max: must be a whole"),
        ("kafka_vmtune_report_name", "a/b", "kafka_vmtune_report_name must be null or a plain"),
        ("kafka_vmtune_restart_policy", "sometimes", "kafka_vmtune_restart_policy: must be never"),
        # Paths stay in their directory, names are names.
        (
            "kafka_vmtune_sysctl_file",
            "/etc/sysctl.d/../../x.conf",
            "a file directly in /etc/sysctl.d",
        ),
        (
            "kafka_vmtune_service_name",
            "../../x",
            "kafka_vmtune_service_name: must be a systemd unit",
        ),
        ("kafka_vmtune_dropin_name", "../x.conf", "kafka_vmtune_dropin_name: must be a file name"),
        # A typo would be ignored: it fails, naming the closest known variable.
        ("kafka_vmtune_headrom", 2, "did you mean kafka_vmtune_headroom?"),
        ("kafka_vmtune_restart_polcy", "always", "did you mean kafka_vmtune_restart_policy?"),
    ],
)
def test_a_wrong_setting_fails_before_anything_is_read_or_changed(
    sandbox: Sandbox, name: str, value: object, says: str
) -> None:
    run = sandbox.run("tune-vm.yml", **{name: value})
    assert run.rc != 0
    assert says in run.flat, run.output[-3000:]
    assert "Read the broker" not in run.flat  # stopped in the pre-flight play
    assert sandbox.managed_files() == []
    assert not sandbox.reports.exists()


def test_broker_limits_drop_in_flags_a_restart_and_is_stable(sandbox: Sandbox) -> None:
    # A running process stands for the broker: its limits are read from /proc.
    with standin_broker() as broker:
        _limits_flag_a_restart(sandbox, broker.pid)


def _limits_flag_a_restart(sandbox: Sandbox, pid: int) -> None:
    settings = {
        "kafka_vmtune_manage_nofile": True,
        "kafka_vmtune_malloc_arena_max": 2,
        "kafka_vmtune_pid": pid,
    }
    first = sandbox.run("tune-vm.yml", **settings)
    assert first.rc == 0, first.output[-4000:]
    dropin = sandbox.root / "etc/systemd/system/kafka.service.d/60-kafka-vmtune.conf"
    text = dropin.read_text(encoding="utf-8")
    assert "Environment=MALLOC_ARENA_MAX=2" in text
    nofile = int(re.findall(r"^LimitNOFILE=(\d+)$", text, re.M)[0])
    row = sandbox.row()
    # Never below the model's recommendation nor the broker's running limit.
    assert nofile >= row["nofile_recommended"]
    assert nofile >= (row["nofile"] or 0)
    # Both settings need a broker restart: the rolling restart reads this flag (policy never here).
    assert "restart due" in row["change"]
    assert "restart due (takes effect at the next start)" in first.flat
    second = sandbox.run("tune-vm.yml", **settings)
    assert second.rc == 0
    assert second.recap()["localhost"]["changed"] == 0, second.output[-4000:]
    assert dropin.read_text(encoding="utf-8") == text


def test_capacity_check_reads_only_and_writes_the_report(sandbox: Sandbox) -> None:
    run = sandbox.run("playbooks/capacity_check.yml")
    assert run.rc == 0, run.output[-4000:]
    assert run.recap()["localhost"]["changed"] == 0
    assert sandbox.managed_files() == []
    doc = sandbox.capacity()
    assert doc["mode"] == "report"
    row = sandbox.row()
    assert row["state"] in ("ok", "warn", "no-kafka")
    assert row["live"] == int(Path("/proc/sys/vm/max_map_count").read_text())
    md = (sandbox.reports / "run/capacity.md").read_text(encoding="utf-8")
    assert "| localhost |" in md
    # The summary table is printed, and latest points at this report.
    assert re.search(r"host\s+state\s+live\s+boot\s+/proc/sys\s+used", run.output)
    assert os.readlink(sandbox.reports / "latest") == "run"


def test_an_unreachable_broker_is_reported_and_the_run_fails(sandbox: Sandbox) -> None:
    inventory = sandbox.path / "fleet.yml"
    inventory.write_text(
        "all:\n  children:\n    kafka_brokers:\n      hosts:\n"
        "        localhost:\n          ansible_connection: local\n"
        "          ansible_python_interpreter: '{{ ansible_playbook_python }}'\n"
        "        kvt-gone.invalid:\n          ansible_connection: ssh\n"
        "          ansible_ssh_common_args: -o ConnectTimeout=3 -o BatchMode=yes\n",
        encoding="utf-8",
    )
    for playbook in ("playbooks/capacity_check.yml", "tune-vm.yml"):
        run = sandbox.run(playbook, "--check", inventory=str(inventory))
        assert run.rc != 0, run.output[-4000:]
        rows = {r["host"]: r for r in sandbox.capacity()["hosts"]}
        assert rows["kvt-gone.invalid"]["state"] == "unreachable"
        assert rows["localhost"]["state"] in ("ok", "warn", "no-kafka")
        assert "kvt-gone.invalid (unreachable)" in run.flat
        # No rolling restart follows a run with a broker missing.
        assert "Rolling restart | decide" not in run.flat
