"""The project's static checks, run as tests so one command reports them all.

Each runs the real tool on the real tree; a finding fails the test with the tool's output.
"""

from __future__ import annotations

import ast
import os
import subprocess

import pytest
from repo import BIN, REPO

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


def test_ansible_plugins_are_mypy_strict_clean() -> None:
    """Modules and filters, with their module_utils resolved as Ansible resolves them."""
    plugins = [str(p.relative_to(REPO)) for p in sorted(REPO.glob("plugins/*/*.py"))]
    assert len(plugins) >= 5
    result = subprocess.run(
        [str(BIN / "mypy"), "--explicit-package-bases", "--namespace-packages", *plugins],
        cwd=REPO,
        env=dict(os.environ, MYPYPATH=str(REPO / ".cache" / "collections")),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert_clean(result)


def test_no_function_is_longer_than_80_lines() -> None:
    long = []
    for path in sorted(REPO.glob("python/kafka_vmtune/**/*.py")) + sorted(
        REPO.glob("plugins/*/*.py")
    ):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 80:
                    long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({length})")
    assert long == []


def test_yaml_is_yamllint_clean() -> None:
    assert_clean(run_tool(str(BIN / "yamllint"), "--strict", "."))


@pytest.mark.ansible
def test_ansible_content_passes_the_production_profile() -> None:
    # Profile and exclusions live in .ansible-lint.
    assert_clean(run_tool(str(BIN / "ansible-lint"), "--nocolor"))
