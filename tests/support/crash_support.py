"""Run `kafka-vmtune diagnose` as on a host of its own: private /tmp and /proc.

The machine is shared: another JVM's hs_err file in /tmp or another test's running fake
broker would be found too. `unshare` gives the command an empty /tmp (a tmpfs) and a PID
namespace with its own /proc, the real code still reads the real places.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CLI = Path(sys.executable).parent / "kafka-vmtune"
FIXTURES = Path(__file__).resolve().parents[1] / "facts" / "crash_fixtures"
CRASH_KEYS = {"time", "pid", "cause", "map_areas", "limit", "evidence", "detail"}


def _can_isolate() -> str | None:
    if shutil.which("unshare") is None:
        return "needs unshare (util-linux)"
    if os.geteuid() != 0:
        return "needs root for a private /tmp and /proc (unshare)"
    probe = subprocess.run(
        [
            "unshare",
            "--mount",
            "--pid",
            "--fork",
            "--mount-proc",
            "--propagation",
            "private",
            "true",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return None if probe.returncode == 0 else f"unshare refused here: {probe.stderr.strip()}"


def diagnose(
    *args: str, tmp_files: dict[str, Path] | None = None
) -> subprocess.CompletedProcess[str]:
    """`kafka-vmtune diagnose ARGS`; tmp_files are copied into its private /tmp first."""
    reason = _can_isolate()
    if reason:
        pytest.skip(reason)
    setup = ["mount -t tmpfs kvt-diagnose-tmp /tmp"]
    for name, src in (tmp_files or {}).items():
        setup.append(f"cp -P {shlex.quote(str(src))} /tmp/{shlex.quote(name)}")
    cmd = " && ".join([*setup, shlex.join(["exec", str(CLI), "diagnose", *args])])
    return subprocess.run(
        [
            "unshare",
            "--mount",
            "--pid",
            "--fork",
            "--mount-proc",
            "--propagation",
            "private",
            "sh",
            "-c",
            cmd,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def diagnose_json(*args: str, code: int, **kw: Any) -> list[dict[str, Any]]:
    r = diagnose(*args, "--json", **kw)
    assert r.returncode == code, (r.stdout, r.stderr)
    doc = json.loads(r.stdout)
    assert set(doc) == {"schema", "crashes"} and doc["schema"] == 1
    for crash in doc["crashes"]:
        assert set(crash) == CRASH_KEYS
    crashes: list[dict[str, Any]] = doc["crashes"]
    return crashes


@contextmanager
def evidence_dir() -> Iterator[Path]:
    """A directory outside /tmp (which diagnose sees as its own, empty /tmp)."""
    path = Path(tempfile.mkdtemp(prefix="kvt-crash-", dir="/var/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
