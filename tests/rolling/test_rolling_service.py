"""The service half of a broker restart (roles/rolling_restart/tasks/service.yml) against
real systemd in a podman host: stop, wait for the main PID to exit, start, and the warning
when the unit's TimeoutStopSec would cut a controlled shutdown short.

The stand-in broker is a shell loop that, like a broker in controlled shutdown, takes a
moment to exit after SIGTERM; systemd, the unit and the PIDs are real.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from podman_setup import molecule_environment
from rolling_helpers import REPO, Run, run_playbook

pytestmark = pytest.mark.molecule

CONTAINER = "kvt-rr-svc"
UNIT = "kvt-fake-broker.service"
SERVICE_PLAYBOOK = REPO / "tests" / "rolling" / "playbooks" / "service.yml"


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
        "ExecStart=/bin/sh -c 'trap \"sleep 2; exit 0\" TERM; while :; do sleep 0.2; done'\n"
        f"TimeoutStopSec={timeout_stop}\n"
    )
    sh(env, f"cat > /etc/systemd/system/{UNIT} <<'EOF'\n{unit}EOF\nsystemctl daemon-reload")
    sh(env, f"systemctl restart {UNIT}")
    return int(sh(env, f"systemctl show -p MainPID --value {UNIT}"))


def inventory(tmp_path: Path, env: dict[str, str], unit: str) -> Path:
    path = tmp_path / "inventory.json"
    host_vars = {
        "ansible_connection": "containers.podman.podman",
        "ansible_python_interpreter": "/usr/bin/python3",
        "kafka_vmtune_unit": unit,
    }
    path.write_text(json.dumps({"all": {"hosts": {CONTAINER: host_vars}}}))
    return path


def run_service(tmp_path: Path, env: dict[str, str], unit: str = UNIT) -> Run:
    saved = dict(os.environ)
    os.environ.update(
        {k: env[k] for k in ("CONTAINERS_CONF", "ANSIBLE_COLLECTIONS_PATH") if k in env}
    )
    try:
        run = run_playbook(inventory(tmp_path, env, unit), {}, playbook=SERVICE_PLAYBOOK)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return run


@pytest.mark.parametrize(("timeout_stop", "warned"), [("90", True), ("400", False)])
def test_restart_replaces_the_process_and_warns_on_short_stop_timeout(
    host: dict[str, str], tmp_path: Path, timeout_stop: str, warned: bool
) -> None:
    before = install_unit(host, timeout_stop)
    run = run_service(tmp_path, host)
    assert run.rc == 0, run.out[-4000:]
    after = int(sh(host, f"systemctl show -p MainPID --value {UNIT}"))
    assert sh(host, f"systemctl is-active {UNIT} || true") == "active"
    assert after not in (0, before)
    assert sh(host, f"test -e /proc/{before} && echo alive || echo gone") == "gone"
    warning = f"WARNING: {UNIT} on {CONTAINER} has TimeoutStopSec"
    assert (warning in run.out) is warned, run.out[-4000:]
    if warned:
        assert re.search(r"TimeoutStopSec\s+1min\s+30s,\s+below\s+the\s+300\s+s", run.out), run.out
    # The stand-in takes 2 s to exit after SIGTERM; the recorded stop covers that wait.
    times = re.search(r"timings stop=([\d.]+)\s+exited=([\d.]+)", run.out)
    assert times, run.out[-2000:]
    assert float(times.group(2)) - float(times.group(1)) >= 2.0


def test_missing_unit_stops_with_its_name(host: dict[str, str], tmp_path: Path) -> None:
    run = run_service(tmp_path, host, unit="kvt-no-such-broker.service")
    assert run.rc != 0
    assert re.search(
        r"systemd unit kvt-no-such-broker.service on kvt-rr-svc is\s+not-found", run.out
    )
    assert "Stop the unit (controlled shutdown)" not in run.tasks_run()
