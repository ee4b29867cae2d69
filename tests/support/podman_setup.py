"""The project's podman settings for tests that run podman hosts (Molecule scenarios,
the rolling restart's systemd test, the real Kafka cluster).

molecule/setup.sh prepares podman (containers.conf), the collections and the images and
writes .cache/molecule.env; tests run podman and molecule with that environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from repo import REPO
from run_id import RUN_ID
from tiers import starting

ENV_FILE = REPO / ".cache" / "molecule.env"
# Molecule keeps a scenario's state (inventory, reports) in a directory named after the
# checkout's folder name: two clones called alike would share it. One per run instead.
EPHEMERAL_ROOT = Path.home() / ".cache" / "molecule" / "tmp"
used = False  # this run started podman: remove what it left at the end (conftest)


def read_env_file(path: Path) -> dict[str, str]:
    """The `export KEY=VALUE` lines of an env file written by molecule/setup.sh."""
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line.removeprefix("export ").partition("=")
            env[key.strip()] = value.strip()
    return env


def podman_unusable_reason() -> str | None:
    """Why podman hosts cannot run here, or None when they can."""
    if shutil.which("podman") is None:
        return "podman is not installed (apt-get install podman runc aardvark-dns debootstrap)"
    if os.geteuid() != 0:
        return "podman hosts need root (debootstrap images, systemd containers)"
    return None


def molecule_environment() -> dict[str, str]:
    """os.environ plus what setup.sh exported; runs setup.sh (fast when already done).

    Raises RuntimeError with the tail of setup.sh's output when it fails."""
    global used  # noqa: PLW0603 - one flag per test session
    starting("podman")
    used = True
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


def ephemeral_directory(scenario: str) -> Path:
    """Where Molecule keeps this run's state of one scenario."""
    return EPHEMERAL_ROOT / f"kvt-{scenario}-{RUN_ID}"


def run_molecule(
    args: list[str], env: dict[str, str], log: Path, timeout: int, prefix: Sequence[str] = ()
) -> int:
    """`molecule ARGS` with its whole output appended to log; the exit code (-1: timed out).
    The scenario (`-s NAME`) keeps its state in this run's own ephemeral directory.
    prefix wraps the command (the roll bench runs it under `nice`)."""
    scenario = args[args.index("-s") + 1] if "-s" in args else "default"
    env = dict(env, MOLECULE_EPHEMERAL_DIRECTORY=str(ephemeral_directory(scenario)))
    with log.open("a") as out:
        out.write(f"\n===== molecule {' '.join(args)}\n")
        out.flush()
        try:
            return subprocess.run(
                [*prefix, "molecule", *args],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\n*** molecule {' '.join(args)} timed out after {timeout} s\n")
            return -1


def remove_run_resources() -> list[str]:
    """Remove the containers and networks named with this run's id, and its Molecule state;
    never another run's. Returns what was left behind (a test that did not clean up)."""
    left: list[str] = []
    for kind, ls, rm in (
        ("container", ["podman", "ps", "-a"], ["podman", "rm", "-f", "-t", "0"]),
        ("network", ["podman", "network", "ls"], ["podman", "network", "rm", "-f"]),
    ):
        listed = subprocess.run(
            [*ls, "--format", "{{.Name}}"], capture_output=True, text=True, check=False
        )
        mine = [n for n in listed.stdout.split() if n.endswith(f"-{RUN_ID}")]
        for name in mine:
            subprocess.run([*rm, name], capture_output=True, check=False, timeout=120)
        left += [f"{kind} {n}" for n in mine]
    for state in EPHEMERAL_ROOT.glob(f"kvt-*-{RUN_ID}"):
        shutil.rmtree(state, ignore_errors=True)
    return left
