"""The installed collection against podman hosts with systemd (unprivileged, /proc/sys
read-only, which the tool reports), from an empty directory with no ansible.cfg.

Two hosts from the kvt-jre image of molecule/setup.sh on a network of their own, named
kvt-coll-*-RUNID (this run's id) so nothing else on the machine is touched; removed at the
end. The podman connection plugin (containers.podman, unpacked by molecule/setup.sh) is
installed next to the collection, in the same and only collections path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from collection_helpers import USER_PLAYBOOK, Installed, Run
from podman_setup import molecule_environment, podman_unusable_reason
from run_id import scoped

pytestmark = [pytest.mark.molecule, pytest.mark.podman, pytest.mark.ansible]

HOSTS = (scoped("kvt-coll-b1"), scoped("kvt-coll-b2"))
NETWORK = scoped("kvt-coll-net")
SYSCTL_FILE = "/etc/sysctl.d/60-kafka-vmtune.conf"


class Fleet:
    def __init__(self, installed: Installed, env: dict[str, str], path: Path) -> None:
        self.installed = installed
        self.podman_env = env
        self.path = path
        self.cwd = path / "work"
        self.cwd.mkdir()
        self.inventory = path / "inventory.json"
        host_vars = {
            "ansible_connection": "containers.podman.podman",
            "ansible_python_interpreter": "/usr/bin/python3",
        }
        group = {"hosts": {h: {} for h in HOSTS}, "vars": host_vars}
        inventory = {"all": {"children": {"kafka_brokers": group}}}
        self.inventory.write_text(json.dumps(inventory), encoding="utf-8")

    def podman(self, *args: str, check: bool = True) -> str:
        return subprocess.run(
            ["podman", *args],
            env=self.podman_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=check,
        ).stdout.strip()

    def sh(self, host: str, script: str) -> str:
        return self.podman("exec", host, "/bin/sh", "-c", script)

    def run(self, playbook: str, name: str, *args: str) -> Run:
        extra = {
            "kafka_vmtune_report_dir": str(self.path / "reports"),
            "kafka_vmtune_report_name": name,
            "kafka_vmtune_restart_policy": "never",
            "kafka_vmtune_show_breakdown": False,
        }
        env = self.installed.env(CONTAINERS_CONF=self.podman_env["CONTAINERS_CONF"])
        return self.installed.run(
            self.cwd,
            playbook,
            "-i",
            str(self.inventory),
            "-e",
            json.dumps(extra),
            *args,
            env=env,
        )

    def capacity(self, name: str) -> dict[str, dict[str, object]]:
        data = json.loads((self.path / "reports" / name / "capacity.json").read_text())
        return {row["host"]: row for row in data["hosts"]}


def remove(env: dict[str, str]) -> None:
    for host in HOSTS:
        subprocess.run(
            ["podman", "rm", "-f", "-t", "0", host], env=env, capture_output=True, check=False
        )
    subprocess.run(
        ["podman", "network", "rm", "-f", NETWORK], env=env, capture_output=True, check=False
    )


@pytest.fixture(scope="module")
def fleet(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    reason = podman_unusable_reason()
    if reason:
        pytest.skip(reason)
    try:
        env = molecule_environment()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    podman_collection = Path(env["ANSIBLE_COLLECTIONS_PATH"]) / "ansible_collections/containers"
    target = installed.collections / "ansible_collections/containers"
    if not target.exists():
        shutil.copytree(podman_collection, target, symlinks=True)
    fleet = Fleet(installed, env, tmp_path_factory.mktemp("podman-fleet"))
    remove(env)
    try:
        fleet.podman("network", "create", NETWORK)
        for host in HOSTS:
            fleet.podman(
                "run", "-d", "--name", host, "--hostname", host, "--network", NETWORK,
                # Root may read other processes' /proc/PID/maps on a real host; still
                # unprivileged (no --privileged): /proc/sys stays read-only.
                "--cap-add", "SYS_PTRACE", "--systemd", "always",
                env["KVT_IMAGE"], "/lib/systemd/systemd",
            )  # fmt: skip
        for host in HOSTS:
            fleet.sh(host, "systemctl is-system-running --wait >/dev/null || true")
        yield fleet
    finally:
        if not os.environ.get("KVT_KEEP_CONTAINERS"):
            remove(env)


def test_tune_vm_check_diff_on_podman_hosts_changes_nothing(fleet: Fleet) -> None:
    run = fleet.run("kafka_vmtune.kafka.tune_vm", "check", "--check", "--diff")
    assert run.rc == 0, run.output[-4000:]
    for host in HOSTS:
        assert run.recap()[host]["failed"] == 0 and run.recap()[host]["rescued"] == 0
        assert fleet.sh(host, f"test -e {SYSCTL_FILE} && echo present || echo absent") == "absent"
    assert f"+vm.max_map_count = {fleet.capacity('check')[HOSTS[0]]['recommended']}" in run.output


def test_tune_vm_on_podman_hosts_persists_and_reports_read_only_proc_sys(fleet: Fleet) -> None:
    live = int(Path("/proc/sys/vm/max_map_count").read_text())
    run = fleet.run("kafka_vmtune.kafka.tune_vm", "real")
    assert run.rc == 0, run.output[-4000:]
    rows = fleet.capacity("real")
    for host in HOSTS:
        row = rows[host]
        assert run.recap()[host]["failed"] == 0 and run.recap()[host]["rescued"] == 0
        assert row["proc_sys"] == "READ-ONLY"
        assert row["live"] == live
        assert "/proc/sys is read-only" in str(row["change"])
        text = fleet.sh(host, f"cat {SYSCTL_FILE}")
        assert f"\nvm.max_map_count = {row['recommended']}" in f"\n{text}"
        assert row["boot_value"] == row["recommended"]


def test_user_playbook_on_podman_hosts_finds_them_tuned(fleet: Fleet) -> None:
    # After tune_vm above, the roles from a user's own playbook find nothing to change.
    (fleet.cwd / "site.yml").write_text(USER_PLAYBOOK, encoding="utf-8")
    before = {h: fleet.sh(h, f"cat {SYSCTL_FILE}") for h in HOSTS}
    run = fleet.run("site.yml", "user")
    assert run.rc == 0, run.output[-4000:]
    for host in HOSTS:
        counts = run.recap()[host]
        assert (counts["changed"], counts["failed"], counts["rescued"]) == (0, 0, 0)
        assert "planned vm.max_map_count=" in run.output
        assert fleet.sh(host, f"cat {SYSCTL_FILE}") == before[host]
