"""Suite-wide setup and guard.

The checkout must be reachable as the collection kafka_vmtune.kafka (run.sh link), and the
tests write their reports to temporary directories, never to the checkout's reports/ (an
operator's dry runs and their `latest` link live there)."""

from __future__ import annotations

import os
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import podman_setup
import pytest
from repo import REPO
from tiers import FAST, clock_shifted

LINK = REPO / ".cache/collections/ansible_collections/kafka_vmtune/kafka"
CHECKOUT_REPORTS = REPO / "reports"


def pytest_sessionstart() -> None:
    # The same step as `./run.sh dry-run|test` (run.sh link), for a bare `pytest`.
    if not LINK.exists():
        subprocess.run(["bash", str(REPO / "run.sh"), "link"], check=True)


def pytest_report_header() -> list[str]:
    lines = [f"fast tier: -m '{FAST}'"]
    if clock_shifted():
        lines.append(f"clock shifted by faketime ({os.environ['FAKETIME']}): realclock tests skip")
    return lines


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that compares a time the kernel sets (file mtimes, process start) with
    # time.time() cannot pass under faketime; its marker says why and it skips there.
    shifted = clock_shifted()
    for item in items:
        mark = item.get_closest_marker("realclock")
        if mark is None:
            continue
        if not mark.args:
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.realclock needs its reason")
        if shifted:
            item.add_marker(pytest.mark.skip(reason=f"needs the real clock: {mark.args[0]}"))


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
def podman_resources_of_this_run_removed() -> Iterator[None]:
    """Containers and networks named with this run's id go at the end, pass or fail."""
    yield
    if podman_setup.used:
        left = podman_setup.remove_run_resources()
        if left:
            warnings.warn(f"tests left podman resources behind (now removed): {left}", stacklevel=1)


@pytest.fixture(scope="session", autouse=True)
def checkout_reports_untouched() -> Iterator[None]:
    before = snapshot(CHECKOUT_REPORTS)
    yield
    after = snapshot(CHECKOUT_REPORTS)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"the test suite changed the checkout's reports/: {changed}"
