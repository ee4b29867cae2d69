"""Run `kafka-vmtune diagnose` as on a host of its own: private /tmp and /proc.

The machine is shared: another JVM's hs_err file in /tmp or another test's running fake
broker would be found too. `unshare` gives the command an empty /tmp (a tmpfs) and a PID
namespace with its own /proc, the real code still reads the real places.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from repo import BIN, REPO

CLI = BIN / "kafka-vmtune"
FIXTURES = REPO / "tests" / "facts" / "crash_fixtures"
CRASH_KEYS = {"time", "pid", "cause", "map_areas", "max_map_count_at_crash", "evidence", "detail"}


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


def _top_under_tmp(path: Path) -> Path | None:
    """/tmp/NAME when path is inside /tmp (the directory to keep visible), else None."""
    parts = path.parts
    return Path("/tmp", parts[2]) if len(parts) > 2 and parts[1] == "tmp" else None


def isolated(
    shell: str, tmp_files: dict[str, Path] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `shell` with a private, empty /tmp (tmp_files copied in) and its own /proc."""
    reason = _can_isolate()
    if reason:
        pytest.skip(reason)
    with tempfile.TemporaryDirectory(prefix="kvt-keep-", dir="/var/tmp") as keep:
        return _run_isolated(shell, tmp_files or {}, keep)


def _run_isolated(
    shell: str, tmp_files: dict[str, Path], keep: str
) -> subprocess.CompletedProcess[str]:
    setup = []
    # A checkout (and its .venv) that lives under /tmp, as a CI clone may, stays visible at
    # its own path in the private /tmp: held at `keep` while the tmpfs goes on, bound back.
    top = _top_under_tmp(Path(__file__).resolve())
    if top is not None:
        setup.append(f"mount --bind {shlex.quote(str(top))} {shlex.quote(keep)}")
    setup.append("mount -t tmpfs kvt-diagnose-tmp /tmp")
    if top is not None:
        setup.append(f"mkdir -p {shlex.quote(str(top))}")
        setup.append(f"mount --bind {shlex.quote(keep)} {shlex.quote(str(top))}")
    for name, src in tmp_files.items():
        # -p keeps the mtime the test gave the file (the run's clock, see `planted`).
        setup.append(f"cp -P -p {shlex.quote(str(src))} /tmp/{shlex.quote(name)}")
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
            " && ".join([*setup, shell]),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def diagnose(
    *args: str, tmp_files: dict[str, Path] | None = None
) -> subprocess.CompletedProcess[str]:
    """`kafka-vmtune diagnose ARGS` on a host of its own."""
    return isolated(shlex.join(["exec", str(CLI), "diagnose", *args]), tmp_files)


HOUR = 3600.0
TIME_LINE = re.compile(rb"^Time: .*? UTC", re.M)


def crashed_at(hs_err: bytes, when: float) -> bytes:
    """hs_err with its `Time:` line (the crash time, UTC) set to `when` (epoch seconds)."""
    stamp = time.strftime("Time: %a %b %d %H:%M:%S %Y UTC", time.gmtime(when)).encode()
    out, n = TIME_LINE.subn(stamp, hs_err, count=1)
    assert n == 1, "no `Time:` line in the hs_err"
    return out


def planted(path: Path, data: bytes, age: float = HOUR) -> Path:
    """Write an hs_err that crashed `age` seconds ago by the run's clock: its `Time:` line
    and its mtime both, so a rule comparing them with "now" sees the same age on any day
    and under a shifted clock (where the kernel's file times are not the process's)."""
    when = time.time() - age
    path.write_bytes(crashed_at(data, when))
    os.utime(path, (when, when))
    return path


def at_limit_hs_err(areas: int, limit: int = 65530, end: bool = True) -> bytes:
    """The incident's hs_err: the JVM's header, `areas` map lines (+ [vsyscall]), the limit.
    Its `Time:` is the fixture's; `planted` makes it recent."""
    head = (FIXTURES / "hs_err_pid6161.log").read_bytes().split(b"\nDynamic libraries:\n")[0]
    head = head.replace(
        b"(malloc) failed to allocate 1048576 bytes for AllocateHeap",
        b"(mmap) failed to map 65536 bytes for committing reserved memory.",
    ).replace(b"6161", b"8080")
    maps = b"".join(
        b"7f%010x-7f%010x rw-s 00000000 fe:00 42    /var/lib/kafka/t-0/%020d.index\n"
        % (i * 4096, i * 4096 + 4096, i)
        for i in range(areas)
    )
    vsyscall = b"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0   [vsyscall]\n"
    tail = b"\n/proc/sys/vm/max_map_count (maximum number of memory map areas a process may have): "
    tail += (
        b"%d\n\nMemory: 4k page, physical 24684084k(21283952k free), swap 0k(0k free)\n\n" % limit
    )
    return head + b"\nDynamic libraries:\n" + maps + vsyscall + tail + (b"END.\n" if end else b"")


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
