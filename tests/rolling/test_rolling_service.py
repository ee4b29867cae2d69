"""The real roll (playbooks/rolling_restart.yml, one kafka_roll_broker task per broker)
against real systemd in a podman host, with the stand-in admin (tests/support) answering
for Kafka: stop, wait for the main PID to exit, start, the final health check, the warning
when TimeoutStopSec would cut a controlled shutdown short, a missing unit, and a unit that
fails during start stopping the roll at once with its state and journal.

The stand-in broker is a shell loop that, like a broker in controlled shutdown, takes a
moment to exit after SIGTERM; systemd, the unit and the PIDs are real.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from podman_setup import molecule_environment
from repo import REPO
from rolling_helpers import Run, run_playbook
from run_id import scoped

from kafka_vmtune.restart.connect import TEST_ADMIN

pytestmark = [pytest.mark.molecule, pytest.mark.podman, pytest.mark.ansible]

CONTAINER = scoped("kvt-roll-svc")  # machine-wide name: this run's own
UNIT = "kvt-fake-broker.service"


def podman_env() -> dict[str, str]:
    try:
        return molecule_environment()
    except RuntimeError as exc:
        pytest.fail(str(exc))


def podman(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ["podman", *args], env=env, capture_output=True, text=True, timeout=120, check=True
    ).stdout.strip()


def sh(env: dict[str, str], script: str) -> str:
    return podman(env, "exec", CONTAINER, "/bin/sh", "-c", script)


@pytest.fixture(scope="module")
def host() -> Iterator[dict[str, str]]:
    if shutil.which("podman") is None or os.geteuid() != 0:
        pytest.skip("needs podman as root")
    env = podman_env()
    subprocess.run(["podman", "rm", "-f", CONTAINER], env=env, capture_output=True, check=False)
    podman(
        env,
        "run",
        "-d",
        "--name",
        CONTAINER,
        "--network",
        "none",
        "--systemd",
        "always",
        env["KVT_IMAGE"],
        "/lib/systemd/systemd",
    )
    try:
        sh(env, "systemctl is-system-running --wait || true")
        yield env
    finally:
        subprocess.run(["podman", "rm", "-f", CONTAINER], env=env, capture_output=True, check=False)


def install_unit(env: dict[str, str], timeout_stop: str) -> int:
    """(Re)start the stand-in broker with this TimeoutStopSec; its main PID."""
    unit = (
        "[Service]\n"
        # Exits 2 s after SIGTERM, like a broker finishing its controlled shutdown.
        # Fails at once while /etc/kvt-broken exists: a broker that can no longer start.
        "ExecStart=/bin/sh -c 'test -e /etc/kvt-broken && echo cannot start: broken && exit 3; "
        # Touches /run/kvt-trapped once the trap is set: systemctl returns at the fork, and a
        # SIGTERM before the trap would end the shell at once (a load-dependent race).
        'trap "sleep 2; exit 0" TERM; touch /run/kvt-trapped; while :; do sleep 0.2; done\'\n'
        f"TimeoutStopSec={timeout_stop}\n"
    )
    sh(env, f"cat > /etc/systemd/system/{UNIT} <<'EOF'\n{unit}EOF\nsystemctl daemon-reload")
    sh(env, f"rm -f /run/kvt-trapped; systemctl restart {UNIT}")
    sh(env, "for _ in $(seq 600); do test -e /run/kvt-trapped && break; sleep 0.05; done")
    return int(sh(env, f"systemctl show -p MainPID --value {UNIT}"))


def inventory(tmp_path: Path, unit: str) -> Path:
    path = tmp_path / "inventory.json"
    host_vars = {
        "ansible_connection": "containers.podman.podman",
        "ansible_python_interpreter": "/usr/bin/python3",
        "kafka_vmtune_unit": unit,
        "kafka_vmtune_node_id": 1,
    }
    path.write_text(
        json.dumps({"all": {"children": {"kafka_brokers": {"hosts": {CONTAINER: host_vars}}}}})
    )
    return path


def run_roll(
    tmp_path: Path,
    env: dict[str, str],
    unit: str = UNIT,
    extra: dict[str, object] | None = None,
    **standin: str,
) -> Run:
    saved = dict(os.environ)
    os.environ.update(
        {k: env[k] for k in ("CONTAINERS_CONF", "ANSIBLE_COLLECTIONS_PATH") if k in env}
    )
    os.environ["PYTHONPATH"] = f"{REPO / 'tests' / 'support'}:{REPO / 'python'}"
    # The stand-in admin is chosen by the control node's environment, never the inventory.
    os.environ.update(
        {"KVT_STANDIN_BROKERS": "1,2,3", TEST_ADMIN: "standin_admin:StandInAdmin", **standin}
    )
    try:
        run = run_playbook(
            inventory(tmp_path, unit),
            {
                "kafka_vmtune_restart_policy": "always",
                "kafka_vmtune_bootstrap_servers": "stand-in",
                "kafka_vmtune_restart_start_timeout": 120,
                "kafka_vmtune_report_dir": str(tmp_path / "reports"),
                **(extra or {}),
            },
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return run


def roll_report(tmp_path: Path) -> dict[str, object]:
    state = json.loads((tmp_path / "reports" / "rolling-restart" / "state.json").read_text())
    path = tmp_path / "reports" / "rolling-restart" / f"{state['run_id']}.json"
    report: dict[str, object] = json.loads(path.read_text())
    return report


@pytest.mark.parametrize(("timeout_stop", "warned"), [("90", True), ("400", False)])
def test_a_roll_replaces_the_process_and_warns_on_short_stop_timeout(
    host: dict[str, str], tmp_path: Path, timeout_stop: str, warned: bool
) -> None:
    sh(host, "rm -f /etc/kvt-broken")
    before = install_unit(host, timeout_stop)
    run = run_roll(tmp_path, host)
    assert run.rc == 0, run.output[-4000:]
    after = int(sh(host, f"systemctl show -p MainPID --value {UNIT}"))
    assert sh(host, f"systemctl is-active {UNIT} || true") == "active"
    assert after not in (0, before)
    assert sh(host, f"test -e /proc/{before} && echo alive || echo gone") == "gone"
    flat = run.flat
    assert ("WARNING: " + f"{UNIT} on {CONTAINER} has TimeoutStopSec" in flat) is warned, flat[
        -3000:
    ]
    if warned:
        assert "TimeoutStopSec 1min 30s, shorter than the 300 s" in flat
    assert "Rolling restart complete: 1 broker(s) restarted" in flat
    report = roll_report(tmp_path)
    assert report["outcome"] == "ok"
    [broker] = report["brokers"]  # type: ignore[misc]
    # The stand-in takes 2 s to exit after SIGTERM; the recorded stop covers that wait.
    assert broker["seconds"]["stop"] >= 2.0


def test_missing_unit_stops_with_its_name(host: dict[str, str], tmp_path: Path) -> None:
    run = run_roll(tmp_path, host, unit="kvt-no-such-broker.service")
    assert run.rc != 0
    flat = run.flat
    assert f"systemd unit kvt-no-such-broker.service on {CONTAINER} is not-found" in flat


def test_a_unit_that_fails_during_start_stops_the_roll_at_once_with_its_state(
    host: dict[str, str], tmp_path: Path
) -> None:
    install_unit(host, "400")
    sh(host, "touch /etc/kvt-broken")
    try:
        # The stand-in fences broker 1 once it is stopped, so only the unit can say why.
        run = run_roll(tmp_path, host, KVT_STANDIN_DOWN_AFTER="1:#3")
    finally:
        sh(host, "rm -f /etc/kvt-broken")
    assert run.rc != 0
    flat = run.flat
    assert f"Rolling restart stopped at broker 1 ({CONTAINER})" in flat
    assert f"broker 1 did not come back: unit {UNIT} failed" in flat, flat[-3000:]
    assert "ActiveState=failed SubState=failed Result=exit-code ExecMainStatus=3" in flat
    assert "cannot start: broken" in flat  # the journal's last lines
    assert "not registered and unfenced 120s after start" not in flat


ALL_CAUGHT_UP = """\
NodeId LogEndOffset Lag LastFetchTimestamp LastCaughtUpTimestamp Status
1 5029 0 1732480000000 1732480000000 Leader
2 5029 0 1732479999800 1732479999800 Follower
3 5029 0 1732479999900 1732479999900 Follower
"""


def test_another_broker_going_down_while_one_restarts_stops_the_wait_and_counts_both(
    host: dict[str, str], tmp_path: Path
) -> None:
    # Broker 1 (this host) is stopped and started for real; the stand-in never sees it
    # register, and broker 2, a voter, drops out 5 s into the turn. The roll must stop
    # waiting at once (not after the 120 s start timeout), name broker 2, and say that two
    # brokers are out and what that costs.
    install_unit(host, "400")
    # The quorum command runs on the broker host.
    sh(host, f"cat > /tmp/kvt-quorum.txt <<'EOF'\n{ALL_CAUGHT_UP}EOF")
    began = time.monotonic()
    run = run_roll(
        tmp_path,
        host,
        extra={"kafka_vmtune_quorum_command": "cat /tmp/kvt-quorum.txt"},
        KVT_STANDIN_DOWN_AFTER="1:#3,2:#5",
    )
    took = time.monotonic() - began
    assert run.rc != 0
    flat = run.flat
    assert f"Rolling restart stopped at broker 1 ({CONTAINER})" in flat, flat[-3000:]
    assert "stopped waiting for broker 1 to register after " in flat
    assert "broker 2 went down (no longer registered, or fenced)" in flat
    assert "2 brokers out: 1 (restarted by this roll), 2 (not by this roll)" in flat
    assert "controller quorum without a majority: voter(s) 1, 2 out, 1 of 3 up" in flat
    assert "partition(s) below min.insync.replicas" not in flat  # stand-in min ISR is 1
    assert "only this broker out" not in flat
    assert took < 100, f"the roll waited {took:.0f} s"
    [broker] = roll_report(tmp_path)["brokers"]  # type: ignore[misc]
    assert broker["outcome"] == "failed" and "broker 2 went down" in broker["error"]
