from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def sleeper() -> Iterator[int]:
    """A real process to point --pid at."""
    proc = subprocess.Popen(["sleep", "600"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture
def no_pid() -> int:
    pid = 2**22 + 11
    assert not Path(f"/proc/{pid}").exists()
    return pid
