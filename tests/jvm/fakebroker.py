"""The fake broker (tests/java) built once, started and always killed; kernel limit fixture."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from repo import REPO

MAX_MAP_COUNT = Path("/proc/sys/vm/max_map_count")


@pytest.fixture(scope="session")
def broker_home() -> Iterator[Path]:
    if shutil.which("javac") is None or shutil.which("jar") is None:
        pytest.skip("needs a JDK (javac, jar)")
    home = Path(tempfile.mkdtemp(prefix="kvt-fakebroker-"))
    try:
        subprocess.run([str(REPO / "tests" / "java" / "build.sh"), str(home)], check=True)
        assert (home / "libs" / "kafka_2.13-4.0.0.jar").is_file()
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


@dataclass
class Workdir:
    root: Path
    logs: Path
    properties: Path


@pytest.fixture
def workdir() -> Iterator[Workdir]:
    """A broker's config and log dir; removed afterwards (tens of thousands of files)."""
    root = Path(tempfile.mkdtemp(prefix="kvt-broker-"))
    try:
        logs = root / "logs"
        logs.mkdir()
        props = root / "server.properties"
        props.write_text(f"log.dirs={logs}\nprocess.roles=broker,controller\nnode.id=1\n")
        yield Workdir(root, logs, props)
    finally:
        shutil.rmtree(root, ignore_errors=True)


Start = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def start_broker(broker_home: Path, workdir: Workdir) -> Iterator[Start]:
    """start(create=N, remap=K, threads=T) -> a running fake broker; killed at teardown."""
    procs: list[subprocess.Popen[str]] = []

    def start(create: int = 0, remap: int = 0, threads: int = 0) -> subprocess.Popen[str]:
        cmd = [
            "java",
            f"-Dvmtune.create={create}",
            f"-Dvmtune.remap={remap}",
            f"-Dvmtune.threads={threads}",
            "-cp",
            f"{broker_home}/libs/*",
            "kafka.Kafka",
            str(workdir.properties),
        ]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=workdir.root
        )
        procs.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=60)


def wait_ready(proc: subprocess.Popen[str], timeout: float = 300) -> str:
    """The broker's first stdout line (`mapped=...`) once it printed `ready`.

    Blocking reads: the broker either prints or exits (EOF); a timer kills a hung one.
    """
    assert proc.stdout is not None
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        for line in proc.stdout:
            lines.append(line.strip())
            if lines[-1] == "ready":
                return lines[0]
    finally:
        watchdog.cancel()
    proc.kill()
    _, err = proc.communicate(timeout=60)
    raise AssertionError(f"fake broker not ready: {lines} {err[-2000:]}")


@dataclass
class MapLimit:
    original: int

    def set(self, value: int) -> None:
        if value < self.original:
            raise ValueError(f"refusing to lower vm.max_map_count below {self.original}")
        MAX_MAP_COUNT.write_text(f"{value}\n")
        assert int(MAX_MAP_COUNT.read_text()) == value


@pytest.fixture
def map_limit() -> Iterator[MapLimit]:
    """Set vm.max_map_count for a test; the original is restored in every case.

    Never writes a value below the original, so nothing else on the machine can lose.
    """
    if os.geteuid() != 0:
        pytest.skip("changing vm.max_map_count needs root")
    original = int(MAX_MAP_COUNT.read_text())
    try:
        MAX_MAP_COUNT.write_text(f"{original}\n")  # proves /proc/sys is writable, changes nothing
    except OSError as e:
        pytest.skip(f"/proc/sys/vm/max_map_count is not writable here: {e}")
    try:
        yield MapLimit(original)
    finally:
        MAX_MAP_COUNT.write_text(f"{original}\n")
