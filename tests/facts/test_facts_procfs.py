"""What /proc shows about a process: map areas by kind, threads, arenas, descriptors."""

from __future__ import annotations

import mmap
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kafka_vmtune.errors import FactsError
from kafka_vmtune.facts.procfs import (
    MapsUsage,
    classify_maps,
    max_map_count_writable,
    read_max_map_count,
    read_process,
    top_map_processes,
)


def own_maps() -> MapsUsage:
    with open("/proc/self/maps") as f:
        return classify_maps(f)


def delta(after: MapsUsage, before: MapsUsage) -> dict[str, int]:
    return {k: getattr(after, k) - getattr(before, k) for k in MapsUsage._fields}


def index_file(directory: Path, name: str, size: int = 4096) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(b"\0" * size)
    return path


def map_file(path: Path) -> mmap.mmap:
    # Like Kafka's AbstractIndex: map read-write, then close the descriptor.
    with open(path, "r+b") as f:
        return mmap.mmap(f.fileno(), 0)


@pytest.fixture
def held() -> Iterator[list[mmap.mmap]]:
    maps: list[mmap.mmap] = []
    yield maps
    for m in maps:
        m.close()


def test_a_mapped_index_file_is_counted_as_one_live_index_area(
    tmp_path: Path, held: list[mmap.mmap]
) -> None:
    idx = index_file(tmp_path / "orders-0", "00000000000000000000.index")
    tix = index_file(tmp_path / "orders-0", "00000000000000000000.timeindex")
    log = index_file(tmp_path / "orders-0", "00000000000000000000.log")
    before = own_maps()
    held += [map_file(idx), map_file(tix), map_file(log)]
    change = delta(own_maps(), before)
    assert change == {
        "total": 3,
        "index_areas": 2,
        "index_files_mapped": 2,
        "leaked": 0,
        "deleted": 0,
        "remote_cache": 0,
        "other": 1,  # the .log file is not an index
    }


def test_an_index_mapped_twice_counts_one_leaked_area(
    tmp_path: Path, held: list[mmap.mmap]
) -> None:
    idx = index_file(tmp_path / "orders-1", "00000000000000001000.index")
    before = own_maps()
    held += [map_file(idx), map_file(idx)]
    change = delta(own_maps(), before)
    assert (change["index_areas"], change["index_files_mapped"], change["leaked"]) == (2, 1, 1)


def test_renamed_and_unlinked_indexes_still_mapped_are_pending_deletes(
    tmp_path: Path, held: list[mmap.mmap]
) -> None:
    part = tmp_path / "orders-2"
    renamed = index_file(part, "00000000000000000000.timeindex")
    unlinked = index_file(part, "00000000000000005000.index")
    held += [map_file(renamed), map_file(unlinked)]
    before = own_maps()
    # Kafka renames a segment's files to *.deleted, then unlinks them after a delay.
    renamed.rename(part / "00000000000000000000.timeindex.deleted")
    unlinked.unlink()
    after = own_maps()
    change = delta(after, before)
    assert change["deleted"] == 2
    assert change["index_files_mapped"] == -2
    assert change["index_areas"] == 0
    assert change["total"] == 0


def test_remote_index_cache_entries_are_counted_apart(
    tmp_path: Path, held: list[mmap.mmap]
) -> None:
    cache = tmp_path / "remote-log-index-cache"
    entry = index_file(cache, "1000_AbCdEfGhIjKlMnOpQrStUv.index")
    before = own_maps()
    held.append(map_file(entry))
    change = delta(own_maps(), before)
    assert (change["remote_cache"], change["index_areas"], change["total"]) == (1, 0, 1)


def test_paths_with_spaces_and_non_index_names_are_classified_by_their_suffix() -> None:
    lines = [
        "7f0000000000-7f0000001000 rw-s 00000000 fd:01 12 /data/my logs/t-0/0.index\n",
        "7f0000001000-7f0000002000 rw-s 00000000 fd:01 12 /data/my logs/t-0/0.index\n",
        "7f0000002000-7f0000003000 rw-s 00000000 fd:01 13 /data/t-0/0.index.swap\n",
        "7f0000003000-7f0000004000 rw-s 00000000 fd:01 14 /data/t-0/0.txnindex\n",
        "7f0000004000-7f0000005000 rw-s 00000000 fd:01 15 /data/t-0/0.indexer\n",
        "7f0000005000-7f0000006000 rw-p 00000000 00:00 0 \n",
        "7f0000006000-7f0000007000 rw-p 00000000 00:00 0          [stack]\n",
        "7f0000007000-7f0000008000 rw-s 00000000 fd:01 16 /data/t-0/9.timeindex (deleted)\n",
    ]
    assert classify_maps(lines) == MapsUsage(
        total=8,
        index_areas=4,
        index_files_mapped=2,
        leaked=1,
        deleted=1,
        remote_cache=0,
        other=4,
    )


CHILD = textwrap.dedent(
    """
    import os, resource, sys, threading, time
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), int(sys.argv[2])))
    with open("/proc/self/comm", "w") as f:
        f.write("kvt-child")
    stop = threading.Event()
    for _ in range(4):
        threading.Thread(target=stop.wait, daemon=True).start()
    files = [open(os.devnull) for _ in range(20)]
    print("ready", flush=True)
    sys.stdin.read()
    """
)


def spawn_child(nofile: tuple[int, int], env: dict[str, str]) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(nofile[0]), str(nofile[1])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def test_read_process_reports_threads_arenas_descriptors_and_limits_of_a_child() -> None:
    env = dict(os.environ, MALLOC_ARENA_MAX="2")
    child = spawn_child((4000, 5000), env)
    try:
        facts = read_process(child.pid)
    finally:
        child.communicate("")
    assert facts.pid == child.pid
    assert facts.comm == "kvt-child"
    assert facts.threads == 5  # main + 4
    assert facts.malloc_arena_max == 2
    assert (facts.nofile_soft, facts.nofile_hard) == (4000, 5000)
    assert facts.open_fds is not None and facts.open_fds >= 3 + 20
    assert facts.maps.total > 10
    assert facts.maps.other == facts.maps.total  # a Python process maps no Kafka index


@pytest.mark.realclock("the start time is the kernel's boot time plus ticks; time.time() is faked")
def test_a_process_start_time_is_when_it_was_forked() -> None:
    started = time.time()
    child = spawn_child((4000, 5000), dict(os.environ))
    try:
        facts = read_process(child.pid)
    finally:
        child.communicate("")
    # /proc/PID/stat counts clock ticks since boot: within a tick or two of when we forked.
    assert started - 1 <= facts.start_time <= time.time() + 1


def test_a_process_without_malloc_arena_max_reports_none() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    child = spawn_child((1024, 1024), env)
    try:
        assert read_process(child.pid).malloc_arena_max is None
    finally:
        child.communicate("")


def test_own_process_maps_match_the_kernels_line_count() -> None:
    facts = read_process(os.getpid())
    with open("/proc/self/maps", "rb") as f:
        lines = f.read().count(b"\n")
    assert abs(facts.maps.total - lines) < 50  # the maps file shifts a little while we read it
    assert facts.threads == len(os.listdir("/proc/self/task"))


def test_a_process_that_has_exited_is_a_facts_error() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with pytest.raises(FactsError, match=str(child.pid)):
        read_process(child.pid)


def test_live_max_map_count_is_the_kernels_value() -> None:
    out = subprocess.run(
        ["sysctl", "-n", "vm.max_map_count"], capture_output=True, text=True, check=True
    )
    assert read_max_map_count() == int(out.stdout)


def test_max_map_count_is_not_writable_when_proc_sys_is_read_only() -> None:
    """In a container /proc/sys is mounted read-only: root may not change the live value."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a private mount namespace")
    assert max_map_count_writable()
    script = (
        "mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && "
        f"{sys.executable} -c 'from kafka_vmtune.facts.procfs import max_map_count_writable as w; "
        "print(w())'"
    )
    out = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        pytest.skip(f"cannot make a read-only /proc/sys here: {out.stderr.strip()}")
    assert out.stdout.strip() == "False"


def test_a_missing_max_map_count_is_a_facts_error(tmp_path: Path) -> None:
    with pytest.raises(FactsError, match="max_map_count"):
        read_max_map_count(proc=str(tmp_path))
    assert not max_map_count_writable(proc=str(tmp_path))


MAPPER = textwrap.dedent(
    """
    import mmap, sys
    n = int(sys.argv[2])
    with open(sys.argv[1], "r+b") as f:
        held = [mmap.mmap(f.fileno(), 0) for _ in range(n)]
    print("ready", flush=True)
    sys.stdin.read()
    """
)


def test_the_process_holding_most_areas_tops_the_list(tmp_path: Path) -> None:
    """A child maps one index 3000 times (the resize leak): it ranks, and shows the leak."""
    idx = index_file(tmp_path / "t-0", "00000000000000000000.index")
    child = subprocess.Popen(
        [sys.executable, "-c", MAPPER, str(idx), "3000"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        everyone = top_map_processes(limit=100_000)
        top = top_map_processes(limit=3)
        facts = read_process(child.pid)
    finally:
        child.communicate("")
    ours = [areas for pid, _, areas in everyone if pid == child.pid]
    assert ours and ours[0] >= 3000
    assert [a for _, _, a in everyone] == sorted((a for _, _, a in everyone), reverse=True)
    # Other suites may run bigger processes (fake brokers) at the same time.
    assert len(top) == 3
    assert child.pid in [pid for pid, _, _ in top] or min(a for _, _, a in top) >= ours[0]
    assert (facts.maps.index_files_mapped, facts.maps.leaked) == (1, 2999)


def test_a_process_counted_already_is_not_read_again(tmp_path: Path) -> None:
    """The broker's maps (100,000 lines on a big one) were read once: the scan reuses them."""
    me = os.getpid()
    known = {me: ("broker", 10**9)}
    top = top_map_processes(limit=2, known=known)
    assert top[0] == (me, "broker", 10**9)
    assert all(pid != me for pid, _, _ in top[1:])
