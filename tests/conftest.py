"""Suite-wide setup and guard.

The checkout must be reachable as the collection kafka_vmtune.kafka (run.sh link), and the
tests write their reports to temporary directories, never to the checkout's reports/ (an
operator's dry runs and their `latest` link live there)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINK = REPO / ".cache/collections/ansible_collections/kafka_vmtune/kafka"
CHECKOUT_REPORTS = REPO / "reports"


def pytest_sessionstart() -> None:
    # The same step as `./run.sh dry-run|test` (run.sh link), for a bare `pytest`.
    if not LINK.exists():
        subprocess.run(["bash", str(REPO / "run.sh"), "link"], check=True)


def snapshot(directory: Path) -> dict[str, str]:
    """Every entry under directory: a link's target, a file's size and mtime, or 'dir'."""
    entries: dict[str, str] = {}
    if not directory.exists():
        return entries
    for path in sorted(directory.rglob("*")):
        rel = str(path.relative_to(directory))
        if path.is_symlink():
            entries[rel] = "-> " + os.readlink(path)
        elif path.is_dir():
            entries[rel] = "dir"
        else:
            st = path.stat()
            entries[rel] = f"{st.st_size} {st.st_mtime_ns}"
    return entries


@pytest.fixture(scope="session", autouse=True)
def checkout_reports_untouched() -> Iterator[None]:
    before = snapshot(CHECKOUT_REPORTS)
    yield
    after = snapshot(CHECKOUT_REPORTS)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"the test suite changed the checkout's reports/: {changed}"
