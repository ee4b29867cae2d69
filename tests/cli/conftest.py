from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from standin_broker import standin_broker


@pytest.fixture
def sleeper() -> Iterator[int]:
    """A real process to point --pid at, with a broker's command line (--pid refuses others)."""
    with standin_broker() as proc:
        yield proc.pid


@pytest.fixture
def no_pid() -> int:
    pid = 2**22 + 11
    assert not Path(f"/proc/{pid}").exists()
    return pid
