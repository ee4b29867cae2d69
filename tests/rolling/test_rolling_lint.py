"""The restart role, its playbook and the kafka_cluster scenario pass the project's
linters on their own, so a finding here points at the restart files directly."""

from __future__ import annotations

import subprocess

import pytest
from repo import BIN, REPO

pytestmark = pytest.mark.ansible

FILES = [
    "roles/rolling_restart",
    "playbooks/rolling_restart.yml",
    "molecule/kafka_cluster",
    "molecule/kafka_cluster6",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)


def test_ansible_lint_production_profile() -> None:
    result = run(str(BIN / "ansible-lint"), "--nocolor", *FILES)
    assert result.returncode == 0, (result.stdout + result.stderr)[-10000:]
    assert "Profile 'production' was required, and it passed" in result.stdout + result.stderr


def test_yamllint_strict() -> None:
    result = run(str(BIN / "yamllint"), "--strict", *FILES, "tests/rolling")
    assert result.returncode == 0, result.stdout + result.stderr
