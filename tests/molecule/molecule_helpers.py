"""Run a Molecule scenario as an operator would, with the project's podman settings.

molecule/setup.sh prepares podman (containers.conf), the collections and the images and
writes .cache/molecule.env; the scenario runs as a subprocess with that environment and
its whole output goes to .artifacts/molecule-<scenario>.log.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from podman_setup import molecule_environment, podman_unusable_reason, run_molecule
from repo import REPO

__all__ = ["molecule_environment", "podman_unusable_reason"]

ARTIFACTS = REPO / ".artifacts"
MAX_MAP_COUNT = Path("/proc/sys/vm/max_map_count")


def podman_info_error(env: dict[str, str]) -> str | None:
    """podman's own complaint when it cannot run containers with the project settings."""
    info = subprocess.run(
        ["podman", "info", "--format", "{{.Host.OCIRuntime.Name}}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if info.returncode != 0:
        return f"podman is not usable: {info.stderr.strip().splitlines()[-1:]}"
    return None


def run_scenario(scenario: str, env: dict[str, str], timeout: int = 1800) -> tuple[int, str]:
    """`molecule test -s SCENARIO`; returns (exit code, tail of the log)."""
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"molecule-{scenario}.log"
    env = dict(env, ANSI_COLORS_DISABLED="1", NO_COLOR="1", PY_COLORS="0")
    log.write_text("")
    code = run_molecule(["test", "-s", scenario], env, log, timeout)
    lines = log.read_text(errors="replace").splitlines()
    return code, "\n".join(lines[-80:]) + f"\n(full log: {log})"


def destroy_scenario(scenario: str, env: dict[str, str]) -> None:
    """Best effort: remove the scenario's containers and network after a failed run."""
    subprocess.run(
        ["molecule", "destroy", "-s", scenario],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=600,
        check=False,
    )
