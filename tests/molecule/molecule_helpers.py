"""Run a Molecule scenario as an operator would, with the project's podman settings.

molecule/setup.sh prepares podman (containers.conf), the collections and the images and
writes .cache/molecule.env; the scenario runs as a subprocess with that environment and
its whole output goes to .artifacts/molecule-<scenario>.log.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV_FILE = REPO / ".cache" / "molecule.env"
ARTIFACTS = REPO / ".artifacts"
MAX_MAP_COUNT = Path("/proc/sys/vm/max_map_count")


def read_env_file(path: Path) -> dict[str, str]:
    """The `export KEY=VALUE` lines of an env file written by molecule/setup.sh."""
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line.removeprefix("export ").partition("=")
            env[key.strip()] = value.strip()
    return env


def podman_unusable_reason() -> str | None:
    """Why Molecule's podman hosts cannot run here, or None when they can."""
    if shutil.which("podman") is None:
        return "podman is not installed (apt-get install podman runc aardvark-dns debootstrap)"
    if os.geteuid() != 0:
        return "the Molecule scenarios need root (debootstrap images, systemd containers)"
    return None


def molecule_environment() -> dict[str, str]:
    """os.environ plus what setup.sh exported; runs setup.sh (fast when already done)."""
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    setup = subprocess.run(
        [str(REPO / "molecule" / "setup.sh")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if setup.returncode != 0:
        raise RuntimeError(f"molecule/setup.sh failed:\n{(setup.stdout + setup.stderr)[-5000:]}")
    env.update(read_env_file(ENV_FILE))
    return env


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
    with log.open("w") as out:
        try:
            proc = subprocess.run(
                ["molecule", "test", "-s", scenario],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
            code = proc.returncode
        except subprocess.TimeoutExpired:
            out.write(f"\n*** molecule test -s {scenario} timed out after {timeout} s\n")
            code = -1
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
