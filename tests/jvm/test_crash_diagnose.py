"""A real JVM dies at the machine's vm.max_map_count, and diagnose says so.

tests/java/crash/MapExhaust.java maps one page over and over until the kernel refuses,
then makes the JVM commit memory: HotSpot itself dies and writes its hs_err file. The
limit is the machine's, unchanged (no `kernel` mark).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from crash_support import diagnose, diagnose_json, evidence_dir
from repo import REPO

LIMIT = int(Path("/proc/sys/vm/max_map_count").read_text())
pytestmark = pytest.mark.jvm


@pytest.fixture(scope="module")
def classes() -> Iterator[Path]:
    if shutil.which("javac") is None:
        pytest.skip("needs a JDK (javac)")
    if LIMIT > 1_000_000:
        pytest.skip(f"vm.max_map_count is {LIMIT}: exhausting it would take too much memory")
    out = Path(tempfile.mkdtemp(prefix="kvt-crash-classes-"))
    try:
        source = REPO / "tests" / "java" / "crash" / "MapExhaust.java"
        subprocess.run(["javac", "--release", "17", "-d", str(out), str(source)], check=True)
        yield out
    finally:
        shutil.rmtree(out, ignore_errors=True)


def run_to_the_limit(classes: Path, where: Path, *jvm: str) -> subprocess.CompletedProcess[str]:
    """The JVM's console goes to kafkaServer.out, as kafka-server-start.sh -daemon does."""
    with open(where / "kafkaServer.out", "w") as console:
        proc = subprocess.run(
            [
                "java",
                *jvm,
                f"-XX:ErrorFile={where}/hs_err_pid%p.log",
                "-cp",
                str(classes),
                "crash.MapExhaust",
                str(where / "00000000000000000000.index"),
                str(where / "server.log"),
            ],
            stdout=console,
            stderr=subprocess.STDOUT,
            cwd=where,
            timeout=300,
            text=True,
            check=False,
        )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, (where / "kafkaServer.out").read_text()
    )


def test_the_jvm_that_died_committing_memory_at_the_limit_is_diagnosed(classes: Path) -> None:
    with evidence_dir() as where:
        # A small initial heap that must grow: the growth is a commit the kernel refuses.
        died = run_to_the_limit(classes, where, "-Xms16m", "-Xmx2g")
        assert died.returncode != 0, died.stdout
        [hs_err] = where.glob("hs_err_pid*.log")
        assert "Native memory allocation (mmap) failed" in died.stdout
        r = diagnose("--search", str(where))
        print(f"\n$ kafka-vmtune diagnose --search {where}\n{r.stdout}")
        assert r.returncode == 2, r.stdout + r.stderr
        [crash] = diagnose_json("--search", str(where), code=2)
        print(crash)
        assert crash["cause"] == "vm.max_map_count"
        assert crash["pid"] == int(hs_err.name[len("hs_err_pid") : -len(".log")])
        assert crash["max_map_count_at_crash"] == LIMIT
        assert crash["map_areas"] >= LIMIT - LIMIT // 100
        assert str(hs_err) in crash["evidence"]
        assert str(where / "kafkaServer.out") in crash["evidence"]  # its banner names hs_err


def test_map_failed_logged_before_the_jvm_halted_is_diagnosed(classes: Path) -> None:
    with evidence_dir() as where:
        # Interpreter only, fixed heap, no explicit GC: no commit of its own after the
        # failure, so it logs "Map failed" and halts as Kafka does when its log dirs failed.
        died = run_to_the_limit(
            classes,
            where,
            "-Dcrash.mode=log",
            "-Xint",
            "-XX:+DisableExplicitGC",
            "-Xms64m",
            "-Xmx64m",
        )
        assert died.returncode == 1, died.stdout
        log = (where / "server.log").read_text()
        assert "java.io.IOException: Map failed" in log
        assert "Caused by: java.lang.OutOfMemoryError: Map failed" in log
        [crash] = diagnose_json("--search", str(where), code=2)
        assert crash["cause"] == "vm.max_map_count"
        assert str(where / "server.log") in crash["evidence"]
        if not list(where.glob("hs_err_pid*.log")):  # the JVM did not die of a commit too
            assert crash["pid"] is None and crash["evidence"] == [str(where / "server.log")]
