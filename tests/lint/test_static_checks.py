"""The project's static checks, run as tests so one command reports them all.

Each runs the real tool on the real tree; a finding fails the test with the tool's output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Everything Python in the tree: the package, tests, benches, CI and the roles' modules.
PY_DIRS = ("python", "tests", "bench", ".ci", "roles", "plugins", "molecule", "tools")


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(
        args, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    output = (result.stdout + result.stderr)[-20000:]
    assert result.returncode == 0, output


def test_ruff_finds_no_problems() -> None:
    assert_clean(run_tool(str(BIN / "ruff"), "check", *PY_DIRS))


def test_code_is_ruff_formatted() -> None:
    assert_clean(run_tool(str(BIN / "ruff"), "format", "--check", *PY_DIRS))


def test_python_package_is_mypy_strict_clean() -> None:
    # Configuration (strict, files) lives in pyproject.toml.
    assert_clean(run_tool(str(BIN / "mypy")))


def test_yaml_is_yamllint_clean() -> None:
    assert_clean(run_tool(str(BIN / "yamllint"), "--strict", "."))


def test_ansible_content_passes_the_production_profile() -> None:
    # Profile and exclusions live in .ansible-lint.
    assert_clean(run_tool(str(BIN / "ansible-lint"), "--nocolor"))
