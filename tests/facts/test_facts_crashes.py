"""`kafka-vmtune diagnose`: what an operator learns about brokers that died.

hs_err fixtures are real JDK 17 files (tests/jvm makes one at the map limit) trimmed to
their telling parts; every run is the installed command in a private /tmp and /proc.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from crash_support import (
    FIXTURES,
    at_limit_hs_err,
    crashed_at,
    diagnose,
    diagnose_json,
    evidence_dir,
    planted,
)

from kafka_vmtune.cli.main import parse_duration
from kafka_vmtune.errors import InputError
from kafka_vmtune.facts import crash_sources, evidence
from kafka_vmtune.facts.hs_err import parse_hs_err

CAUSES = {
    "hs_err_pid4242.log": ("heap", 4242, "Java heap space"),
    "hs_err_pid5151.log": ("signal", 5151, "SIGSEGV"),
    "hs_err_pid6161.log": ("native-memory", 6161, "well below the limit"),
    "hs_err_pid7171.log": ("unknown", 7171, "guarantee(!_cm->has_overflown()) failed"),
}


@pytest.fixture
def evidence_path() -> Iterator[Path]:
    with evidence_dir() as path:
        yield path


def test_no_evidence_means_no_crash_and_exit_0(evidence_path: Path) -> None:
    (evidence_path / "server.log").write_text("[2026-01-01 10:00:00,000] INFO started\n")
    r = diagnose("--search", str(evidence_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("no crash found")
    assert str(evidence_path) in r.stdout  # says where it looked
    assert diagnose_json("--search", str(evidence_path), code=0) == []


@pytest.mark.parametrize("name", sorted(CAUSES))
def test_each_cause_is_named_with_its_evidence_and_exit_1(evidence_path: Path, name: str) -> None:
    cause, pid, words = CAUSES[name]
    shutil.copy(FIXTURES / name, evidence_path / name)
    [crash] = diagnose_json("--search", str(evidence_path), code=1)
    assert (crash["cause"], crash["pid"]) == (cause, pid)
    assert crash["evidence"] == [str(evidence_path / name)]
    assert words in crash["detail"]
    assert crash["time"].endswith("+00:00")  # the hs_err `Time:` (UTC), ISO-8601
    if cause == "native-memory":
        assert (crash["map_areas"], crash["max_map_count_at_crash"]) == (12, 65530)
        assert "61234k free" in crash["detail"]


def test_the_incident_in_tmp_is_found_without_search_and_exits_2(evidence_path: Path) -> None:
    hs_err = evidence_path / "hs_err_pid8080.log"
    hs_err.write_bytes(at_limit_hs_err(65531))
    r = diagnose(tmp_files={"hs_err_pid8080.log": hs_err})
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "cause: vm.max_map_count" in r.stdout
    assert "65531 map areas at the crash, limit 65530" in r.stdout
    assert "raise vm.max_map_count" in r.stdout
    [crash] = diagnose_json(code=2, tmp_files={"hs_err_pid8080.log": hs_err})
    assert crash["evidence"] == ["/tmp/hs_err_pid8080.log"]
    assert (crash["map_areas"], crash["max_map_count_at_crash"], crash["pid"]) == (
        65531,
        65530,
        8080,
    )


def test_a_map_failure_close_below_the_limit_is_the_limit_far_below_is_not(
    evidence_path: Path,
) -> None:
    (evidence_path / "hs_err_pid1.log").write_bytes(at_limit_hs_err(65_000))
    (evidence_path / "hs_err_pid2.log").write_bytes(at_limit_hs_err(30_000))
    crashes = diagnose_json("--search", str(evidence_path), code=2)
    causes = {c["map_areas"]: c["cause"] for c in crashes}
    assert causes == {65_000: "vm.max_map_count", 30_000: "native-memory"}


def test_console_banner_joins_its_hs_err_and_a_map_failed_log_joins_the_crash(
    evidence_path: Path,
) -> None:
    hs_err = evidence_path / "hs_err_pid8080.log"
    hs_err.write_bytes(at_limit_hs_err(65531))
    crash_time = parse_hs_err(hs_err.read_bytes(), hs_err.name, None).time
    assert crash_time is not None
    (evidence_path / "kafkaServer.out").write_text(
        "#\n# There is insufficient memory for the Java Runtime Environment to continue.\n"
        "# Native memory allocation (mmap) failed to map 65536 bytes for committing reserved"
        " memory.\n# An error report file with more information is saved as:\n"
        f"# {hs_err}\n"
    )
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(crash_time - 20))
    (evidence_path / "server.log").write_text(
        f"[{stamp},123] ERROR Error while rolling log segment for t-0 (kafka.log.LocalLog)\n"
        "java.io.IOException: Map failed\n\tat sun.nio.ch.FileChannelImpl.map\n"
        "Caused by: java.lang.OutOfMemoryError: Map failed\n"
    )
    [crash] = diagnose_json("--search", str(evidence_path), code=2)
    assert sorted(crash["evidence"]) == sorted(
        str(evidence_path / n) for n in ("hs_err_pid8080.log", "kafkaServer.out", "server.log")
    )


def test_map_failed_in_a_log_alone_is_a_crash_from_the_limit(evidence_path: Path) -> None:
    (evidence_path / "server.log").write_text(
        "[2026-11-20 09:00:00,001] ERROR Error while rolling log segment (kafka.log.LocalLog)\n"
        "java.io.IOException: Map failed\nCaused by: java.lang.OutOfMemoryError: Map failed\n"
        "[2026-11-20 09:00:01,001] ERROR Shutdown broker because all log dirs have failed\n"
    )
    [crash] = diagnose_json("--search", str(evidence_path), code=2)
    assert crash["cause"] == "vm.max_map_count"
    assert (crash["pid"], crash["map_areas"], crash["max_map_count_at_crash"]) == (None, None, None)
    assert "not recorded" in crash["detail"]


def test_since_leaves_out_older_crashes(evidence_path: Path) -> None:
    for name in CAUSES:
        shutil.copy(FIXTURES / name, evidence_path / name)
    # Ages by the run's clock: two files last written 3 days ago (their mtime leaves them
    # out), one written now that crashed 2 days ago (its `Time:` leaves it out), and one
    # that crashed a minute ago.
    now = time.time()
    for name in ("hs_err_pid4242.log", "hs_err_pid7171.log"):
        planted(evidence_path / name, (FIXTURES / name).read_bytes(), age=3 * 86400)
    old_crash = evidence_path / "hs_err_pid6161.log"
    old_crash.write_bytes(crashed_at(old_crash.read_bytes(), now - 2 * 86400))
    os.utime(old_crash, (now, now))
    fresh = evidence_path / "hs_err_pid5151.log"
    planted(fresh, fresh.read_bytes(), age=60)
    assert len(diagnose_json("--search", str(evidence_path), code=1)) == 4
    recent = diagnose_json("--search", str(evidence_path), "--since", "1h", code=1)
    assert [c["pid"] for c in recent] == [5151]


def test_a_symlink_to_outside_the_searched_paths_is_not_followed(evidence_path: Path) -> None:
    searched, elsewhere = evidence_path / "searched", evidence_path / "elsewhere"
    searched.mkdir()
    elsewhere.mkdir()
    shutil.copy(FIXTURES / "hs_err_pid5151.log", elsewhere / "hs_err_pid5151.log")
    (searched / "hs_err_pid9.log").symlink_to(elsewhere / "hs_err_pid5151.log")
    r = diagnose("--search", str(searched))
    assert r.returncode == 0, r.stdout
    assert f"not read: {searched}/hs_err_pid9.log: resolves to {elsewhere}" in r.stdout
    # A banner naming a file elsewhere is reported, that file is not opened.
    (searched / "kafkaServer.out").write_text(
        "# A fatal error has been detected by the Java Runtime Environment:\n#\n"
        "#  SIGSEGV (0xb) at pc=0x1, pid=5151, tid=1\n"
        "# An error report file with more information is saved as:\n"
        f"# {elsewhere}/hs_err_pid5151.log\n"
    )
    [crash] = diagnose_json("--search", str(searched), code=1)
    assert crash["evidence"] == [str(searched / "kafkaServer.out")]
    assert "was not read" in crash["detail"]
    # Named with --search, the same place is read.
    [crash] = diagnose_json("--search", str(searched), "--search", str(elsewhere), code=1)
    assert str(elsewhere / "hs_err_pid5151.log") in crash["evidence"]


def test_a_truncated_hs_err_is_read_as_far_as_it_goes(evidence_path: Path) -> None:
    full = at_limit_hs_err(65531)
    cut = full[: full.index(b"\nDynamic libraries:\n") + 200_000]  # JVM died writing the maps
    (evidence_path / "hs_err_pid8080.log").write_bytes(cut)
    [crash] = diagnose_json("--search", str(evidence_path), code=1)
    assert crash["cause"] == "unknown"  # an mmap failure, count unknown: not proven
    assert crash["map_areas"] is None and crash["pid"] == 8080
    assert "incomplete" in crash["detail"] and "not recorded" in crash["detail"]
    (evidence_path / "hs_err_pid8080.log").write_bytes(full[:100])  # header only
    [crash] = diagnose_json("--search", str(evidence_path), code=1)
    assert crash["pid"] == 8080


def test_huge_hs_err_counted_chunk_by_chunk_equals_whole(
    evidence_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = at_limit_hs_err(80_000)
    path = evidence_path / "hs_err_pid8080.log"
    path.write_bytes(data)
    reader = evidence.Reader(dirs={str(evidence_path)}, files=set())
    whole = reader.hs_err(str(path))
    # Past the cap only the head and tail are held; chunks cross the section's end.
    monkeypatch.setattr(evidence, "HS_ERR_CAP", len(data) // 3)
    monkeypatch.setattr(evidence, "_CHUNK", 4093)
    chunked = reader.hs_err(str(path))
    assert whole is not None and chunked is not None
    assert whole.map_areas == chunked.map_areas == 80_000
    assert chunked.max_map_count_at_crash == 65530 and chunked.complete


def test_nothing_is_written(evidence_path: Path) -> None:
    shutil.copy(FIXTURES / "hs_err_pid5151.log", evidence_path / "hs_err_pid5151.log")
    before = {p: p.stat().st_mtime_ns for p in evidence_path.rglob("*")}
    diagnose_json("--search", str(evidence_path), code=1)
    assert {p: p.stat().st_mtime_ns for p in evidence_path.rglob("*")} == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--since", "yesterday"), "--since 'yesterday'"),
        (("--since", "0m"), "--since '0m'"),
        (("--search", "/nonexistent/kvt"), "--search /nonexistent/kvt"),
    ],
)
def test_bad_input_is_one_line_and_exit_3(args: tuple[str, ...], words: str) -> None:
    r = diagnose(*args)
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert r.stderr.startswith("kafka-vmtune: error: ") and words in r.stderr


def test_durations() -> None:
    assert parse_duration("90s") == 90
    assert parse_duration("1h30m") == 5400
    assert parse_duration("7d") == 7 * 86400
    assert parse_duration("2w") == 14 * 86400
    for bad in ("", "h", "5", "5y", "-5m"):
        with pytest.raises(InputError):
            parse_duration(bad)


def test_check_counts_the_crashes_in_its_line_perfdata_and_metrics() -> None:
    """`kafka-vmtune check` says how many crashes the host report found, and which."""
    from crash_support import CLI, isolated

    prom = "/tmp/kvt.prom"
    with evidence_dir() as path:
        hs_err = planted(path / "hs_err_pid8080.log", at_limit_hs_err(65530))
        r = isolated(
            f"{CLI} check --prometheus {prom}; echo rc=$?; cat {prom}",
            {"hs_err_pid8080.log": hs_err},
        )
    line = r.stdout.splitlines()[0]
    assert "1 crash(es) (1 from vm.max_map_count)" in line, r.stdout + r.stderr
    assert "crashes=1" in line.split("|", 1)[1]
    assert 'kafka_vmtune_crashes{cause="vm.max_map_count"} 1' in r.stdout


def test_a_running_broker_tells_where_its_crash_files_go(tmp_path: Path) -> None:
    """Its -XX:ErrorFile directory and name, its working directory and its LOG_DIR (read
    through a procfs tree: the same search for running brokers as the facts use)."""
    proc = tmp_path / "proc"
    broker, other = proc / "4242", proc / "77"
    for d in (broker, other):
        d.mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    argv = ["java", "-Xmx1g", "-XX:ErrorFile=crash/hs_%p.log", "kafka.Kafka", "server.properties"]
    (broker / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (broker / "cwd").symlink_to(work)
    (broker / "environ").write_bytes(b"LOG_DIR=/var/log/kafka\0HOME=/root\0")
    (other / "cmdline").write_bytes(b"java\0-jar\0app.jar\0")
    places = crash_sources.Places()
    crash_sources.add_running_brokers(places, str(proc))
    assert places.dirs == [str(work), str(work / "crash"), "/var/log/kafka"]
    assert places.patterns == {"hs_*.log"}


def test_the_facts_search_for_brokers_is_not_made_twice(tmp_path: Path) -> None:
    """kafka_facts hands the crash search the command lines its own /proc scan read: the
    broker's options count although no cmdline is read again (here none is left to read)."""
    broker = tmp_path / "proc" / "4242"
    broker.mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    (broker / "cwd").symlink_to(work)
    argv = ("java", "-XX:ErrorFile=crash/hs_%p.log", "kafka.Kafka", "server.properties")
    places = crash_sources.Places()
    crash_sources.add_running_brokers(places, str(tmp_path / "proc"), brokers={4242: argv})
    assert places.dirs == [str(work), str(work / "crash")]
    assert places.patterns == {"hs_*.log"}


def _fill_so_a_capped_listing_misses(directory: Path, fillers: int, cap: int) -> Path:
    """Fill directory and place one hs_err file beyond the first `cap` entries readdir gives.

    The order is the filesystem's (hash or slot order): try names until one lands late.
    """
    for i in range(fillers):
        (directory / f"x{i:06d}").touch()
    for pid in range(9000, 9200):
        hs_err = directory / f"hs_err_pid{pid}.log"
        shutil.copy(FIXTURES / "hs_err_pid5151.log", hs_err)
        with os.scandir(directory) as it:
            order = [e.name for e in it]
        if order.index(hs_err.name) >= cap:
            return hs_err
        hs_err.unlink()
    pytest.skip("no name landed beyond the first entries on this filesystem")


def test_a_crash_behind_40000_other_files_is_still_found(evidence_path: Path) -> None:
    # Anyone may write to /tmp: 20,000 files were enough to hide a crash (the old cap).
    # Twice that places the hs_err past it about every other try, in seconds.
    hs_err = _fill_so_a_capped_listing_misses(evidence_path, 40_000, 20_000)
    [crash] = diagnose_json("--search", str(evidence_path), code=1)
    assert crash["evidence"] == [str(hs_err)]


def test_a_fifo_named_with_search_is_skipped_without_waiting(evidence_path: Path) -> None:
    fifo = evidence_path / "hs_err_pid77.log"
    os.mkfifo(fifo)
    r = diagnose("--search", str(fifo))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("no crash found")


def test_evidence_anyone_could_write_is_not_a_crash(evidence_path: Path) -> None:
    """An hs_err file user nobody dropped in /tmp neither fires the alert nor counts."""
    from crash_support import CLI, isolated

    hs_err = evidence_path / "hs_err_pid8080.log"
    hs_err.write_bytes(at_limit_hs_err(65531))
    r = isolated(
        f"chown nobody /tmp/hs_err_pid8080.log && {CLI} diagnose",
        {"hs_err_pid8080.log": hs_err},
    )
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert r.stdout.startswith("no crash found")
    assert (
        "not read: /tmp/hs_err_pid8080.log: owned by nobody, neither root nor a broker's user"
        in r.stdout
    )
    # The same file named by the operator with --search is read: they chose it.
    r = isolated(
        f"chown nobody /tmp/hs_err_pid8080.log && {CLI} diagnose --search /tmp/hs_err_pid8080.log",
        {"hs_err_pid8080.log": hs_err},
    )
    assert r.returncode == 2, (r.stdout, r.stderr)


def test_hs_err_text_reaches_the_terminal_escaped(evidence_path: Path) -> None:
    hs_err = evidence_path / "hs_err_pid4242.log"
    text = (FIXTURES / "hs_err_pid4242.log").read_bytes()
    hs_err.write_bytes(text.replace(b"Java heap space", b"Java heap space\x1b[2J\x1b[8m"))
    r = diagnose("--search", str(evidence_path))
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "\x1b" not in r.stdout
    assert "\\x1b[2J" in r.stdout
