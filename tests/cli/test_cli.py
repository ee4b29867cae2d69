"""The console script end to end: exit codes, JSON schema, prometheus file, bad input."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from repo import REPO
from report_schema import PLAN_KEYS, REPORT_KEYS, SCHEMA, TERM_KEYS

CLI = Path(sys.executable).parent / "kafka-vmtune"
SAMPLE = re.compile(
    r"^(kafka_vmtune_[a-z_]+)(\{(pid=\"\d+\"|cause=\"[a-z._-]+\")\})? (-?\d+(\.\d+)?)$"
)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script, as an operator runs it."""
    return subprocess.run(
        [str(CLI), *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kafka-vmtune: error: ")
    for w in words:
        assert w in lines[0]
    reason = lines[0].removeprefix("kafka-vmtune: error: ")
    # A monitoring check (exit 3, UNKNOWN) says the same on stdout, which Nagios shows.
    assert result.stdout == (f"KAFKA-VMTUNE UNKNOWN - {reason}\n" if code == 3 else "")


def test_inspect_prints_limit_persistence_processes_and_model() -> None:
    r = run("inspect")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert re.search(r"vm.max_map_count live \d+", out)
    assert "at boot:" in out
    for symbol in "BTASLDC":
        assert re.search(rf"^{symbol} ", out, re.M), symbol
    assert ("required" in out and "recommended" in out) or "->" in out
    assert re.search(r"map areas", out)


def test_inspect_json_follows_the_host_report_schema(sleeper: int) -> None:
    r = run("inspect", "--pid", str(sleeper), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert set(report) >= REPORT_KEYS
    assert report["schema"] == SCHEMA
    assert report["kafka"]["pid"] == sleeper
    assert all(set(t) == TERM_KEYS for t in report["model"]["terms"])
    assert set(report["plan"]) == PLAN_KEYS
    assert report["maps"]["total"] == len(Path(f"/proc/{sleeper}/maps").read_text().splitlines())
    assert report["recommendation"]["recommended"] >= report["recommendation"]["live"]
    # inspect lists who holds the most map areas; the broker's own count is not read twice.
    top = {p["pid"]: p["areas"] for p in report["top_processes"]}
    assert len(report["top_processes"]) <= 5
    assert top.get(sleeper, report["maps"]["total"]) == report["maps"]["total"]


def test_only_inspect_looks_through_every_process(sleeper: int) -> None:
    # The fleet's module and `check` (every minute under the exporter) leave it out: the
    # scan reads every process's maps. The pipeline is the one the module runs.
    from kafka_vmtune.pipeline import inspect_host

    assert inspect_host(pid=sleeper)["top_processes"] is None
    listed = inspect_host(pid=sleeper, top_processes=2)["top_processes"]
    assert listed is not None and 1 <= len(listed) <= 2


@pytest.mark.parametrize(
    "case",
    [
        ("0.7", "0.9", "OK", 0),
        ("0.000001", "0.9", "WARN", 1),
        ("0.000001", "0.000002", "CRITICAL", 2),
    ],
)
def test_check_exit_codes_follow_the_nagios_convention(
    sleeper: int, case: tuple[str, str, str, int], tmp_path: Path
) -> None:
    warn, critical, level, code = case
    r = run(
        "check",
        "--pid",
        str(sleeper),
        "--warn",
        warn,
        "--critical",
        critical,
        "--sysctl-file",
        f"/etc/sysctl.d/kvt-test-{os.getpid()}-none.conf",  # read only, never written
    )
    assert r.returncode == code, r.stdout + r.stderr
    assert r.stdout.startswith(f"KAFKA-VMTUNE {level} - ")
    assert " | used=" in r.stdout.splitlines()[0]


def test_check_writes_a_parseable_prometheus_file_atomically(sleeper: int, tmp_path: Path) -> None:
    target = tmp_path / "kafka_vmtune.prom"
    target.write_text("# old content\n")
    with target.open() as old:
        r = run("check", "--pid", str(sleeper), "--prometheus", str(target))
        assert r.returncode in (0, 1, 2), r.stderr
        # Replaced, not rewritten in place: a reader holding the old file still sees it whole.
        assert old.read() == "# old content\n"
    assert sorted(os.listdir(tmp_path)) == ["kafka_vmtune.prom"]  # no temp file left
    text = target.read_text()
    assert text.endswith("\n")
    samples: dict[str, float] = {}
    typed: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            assert kind == "gauge"
            typed.add(name)
        elif not line.startswith("# HELP "):
            m = SAMPLE.match(line)
            assert m, line
            assert m.group(1) in typed, f"{m.group(1)} has no TYPE line"
            samples[m.group(1)] = float(m.group(4))
    assert samples["kafka_vmtune_max_map_count"] == int(
        Path("/proc/sys/vm/max_map_count").read_text()
    )
    assert samples["kafka_vmtune_map_areas_used"] > 0
    assert samples["kafka_vmtune_threads"] == 1
    assert (
        samples["kafka_vmtune_recommended_max_map_count"] >= samples["kafka_vmtune_max_map_count"]
    )
    assert samples["kafka_vmtune_status"] == r.returncode
    assert {
        "kafka_vmtune_index_areas",
        "kafka_vmtune_leaked_areas",
        "kafka_vmtune_required_areas",
    } <= set(samples)


def test_unknown_pid_is_one_line_and_check_writes_nothing(no_pid: int, tmp_path: Path) -> None:
    assert_one_line_error(run("inspect", "--pid", str(no_pid)), 2, str(no_pid))
    target = tmp_path / "out.prom"
    r = run("check", "--pid", str(no_pid), "--prometheus", str(target))
    assert_one_line_error(r, 3, str(no_pid))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["inspect", "--headroom", "-2"], 2, ["headroom"]),
        (["inspect", "--headroom", "nan"], 2, ["headroom"]),
        (["inspect", "--pid", "abc"], 2, ["--pid", "abc"]),
        (["inspect", "--bogus"], 2, ["--bogus"]),
        (["inspect", "--unit", "kvt-no-such.service"], 2, ["kvt-no-such.service"]),
        (["check", "--warn", "0.95", "--critical", "0.9"], 3, ["warn"]),
        (["check", "--pid", "x"], 3, ["--pid"]),
        (["check", "--prometheus", "/nonexistent-dir/x.prom"], 3, ["/nonexistent-dir"]),
        (
            ["inspect", "--server-properties", "/nonexistent/server.properties"],
            2,
            ["/nonexistent/server.properties"],
        ),
        (["whatif"], 2, ["--partitions"]),
        (["whatif", "--partitions", "10", "--retention-ms", "-5"], 2, ["--retention-ms", "-5"]),
        (["whatif", "--partitions", "-3"], 2, ["--partitions", "-3"]),
        (
            ["whatif", "--partitions", "3", "--brokers", "2", "--replication-factor", "3"],
            2,
            ["--replication-factor", "exceeds the 2 brokers"],
        ),
        (["whatif", "--file", "/nonexistent.yaml"], 2, ["/nonexistent.yaml"]),
        ([], 2, ["command"]),
    ],
)
def test_bad_input_is_one_clear_line(args: list[str], code: int, words: list[str]) -> None:
    assert_one_line_error(run(*args), code, *words)


def test_unreadable_log_dir_is_one_line(tmp_path: Path) -> None:
    props = tmp_path / "server.properties"
    props.write_text(f"log.dirs={tmp_path / 'gone'}\n")
    r = run("inspect", "--server-properties", str(props))
    assert_one_line_error(r, 2, "gone")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("brokers: 3\ntopics:\n  - partitions: [1,\n", ["line"]),
        ("- just\n- a list\n", ["mapping"]),
        (
            "brokers: 3\ntopics:\n  - partitions: 10\n    retention_ms: -5\n",
            ["topics[0].retention_ms", "-5"],
        ),
        (
            "brokers: 3\ntopics:\n  - partitions: 10\n    segment_bytes: 99999999999999\n",
            ["topics[0].segment_bytes"],
        ),
    ],
)
def test_bad_plan_files_are_one_line_naming_file_and_field(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    f = tmp_path / "plan.yaml"
    f.write_text(text)
    assert_one_line_error(run("whatif", "--file", str(f)), 2, str(f), *words)


def test_whatif_from_the_example_file(tmp_path: Path) -> None:
    r = run("whatif", "--file", str(REPO / "examples" / "whatif.yaml"), "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert len(doc["brokers"]) == 6
    for b in doc["brokers"]:
        assert {"broker", "replicas", "segments", "model", "recommendation"} <= set(b)
        assert b["recommendation"]["recommended"] % 65536 == 0
    human = run("whatif", "--file", str(REPO / "examples" / "whatif.yaml"))
    assert human.returncode == 0 and "max_map_count" in human.stdout


def test_whatif_for_one_topic_set_from_options_reproduces_the_worked_example() -> None:
    r = run(
        "whatif",
        "--partitions",
        "500",
        "--retention-ms",
        str(7 * 86_400_000),
        "--segment-bytes",
        str(1 << 30),
        "--ingress-bytes-per-s",
        "100000",
        "--kafka-version",
        "4.1.1",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    (broker,) = json.loads(r.stdout)["brokers"]
    s = next(t for t in broker["model"]["terms"] if t["symbol"] == "S")
    assert s["areas"] == pytest.approx(57_000, rel=0.02)
    assert broker["recommendation"]["recommended"] >= 65536 * 2


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--pid", "0"],
        ["check", "--warn", "x"],
        ["check", "--warn", "0.9", "--critical", "0.5"],
    ],
)
def test_a_failing_check_says_unknown_and_why_on_stdout(args: list[str]) -> None:
    r = run(*args)
    assert r.returncode == 3, (r.stdout, r.stderr)
    (line,) = r.stdout.splitlines()
    assert line.startswith("KAFKA-VMTUNE UNKNOWN - ")
    assert len(line) > len("KAFKA-VMTUNE UNKNOWN - ") + 10  # a reason, not just the state
    assert line.removeprefix("KAFKA-VMTUNE UNKNOWN - ") in r.stderr


def test_a_unit_without_systemctl_says_systemd_is_not_available(tmp_path: Path) -> None:
    # The code finds systemctl on PATH: a PATH without it is a host without systemd.
    env = dict(os.environ, PATH=str(tmp_path))
    for command in ("inspect", "check"):
        r = run(command, "--unit", "nosuch.service", env=env)
        assert_one_line_error(r, 3 if command == "check" else 2, "systemd is not available")
        assert "no running main process" not in r.stderr


def test_a_unit_where_systemd_is_not_init_says_systemd_is_not_available() -> None:
    if shutil.which("systemctl") is None or Path("/run/systemd/system").is_dir():
        pytest.skip("needs a systemctl binary on a host where systemd is not running (this CI)")
    r = run("inspect", "--unit", "nosuch.service")
    assert_one_line_error(r, 2, "nosuch.service", "systemd is not available")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    "args", [["inspect"], ["whatif", "--file", str(REPO / "examples/whatif.yaml")]]
)
def test_text_reports_fit_120_columns_and_keep_every_note(args: list[str]) -> None:
    text = run(*args)
    as_json = run(*args, "--json")
    assert text.returncode == as_json.returncode == 0, text.stderr + as_json.stderr
    width = max(len(line) for line in text.stdout.splitlines())
    assert width <= 120, text.stdout
    doc = json.loads(as_json.stdout)
    model = (
        doc["model"]
        if "model" in doc
        else max((b["model"] for b in doc["brokers"]), key=lambda m: m["required"])
    )
    # Wrapped, not cut: every "where it comes from" note is still there, word for word.
    for term in model["terms"]:
        assert flat(term["detail"]) in flat(text.stdout), term["detail"]


@pytest.mark.parametrize("command", ["check", "inspect"])
def test_a_fifo_named_as_server_properties_is_refused_without_waiting(
    command: str, tmp_path: Path
) -> None:
    # The exporter timer runs `check` as root every minute: opening a FIFO would wait forever.
    fifo = tmp_path / "server.properties"
    os.mkfifo(fifo)
    r = run(command, "--server-properties", str(fifo))
    assert_one_line_error(
        r, 3 if command == "check" else 2, str(fifo), "not a regular file (a FIFO)"
    )


def test_a_fifo_given_as_a_plan_file_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    assert_one_line_error(run("whatif", "--file", str(fifo)), 2, "not a regular file (a FIFO)")


@pytest.mark.parametrize("command", ["inspect", "check"])
def test_a_pid_that_is_not_a_kafka_broker_is_refused_with_what_it_is(command: str) -> None:
    proc = subprocess.Popen(["sleep", "600"])
    try:
        r = run(command, "--pid", str(proc.pid))
    finally:
        proc.kill()
        proc.wait()
    assert_one_line_error(
        r,
        3 if command == "check" else 2,
        f"PID {proc.pid} is not a Kafka broker: it is not a Java process ('sleep 600')",
    )


def test_escape_sequences_in_host_names_reach_the_terminal_escaped(tmp_path: Path) -> None:
    """A topic directory anyone named with an ESC sequence is shown, not obeyed."""
    logs = tmp_path / "logs"
    part = logs / "evil\x1b[2J\x1b]0;owned\x07-0"
    part.mkdir(parents=True)
    (part / "00000000000000000000.index").write_bytes(b"i" * 8)
    props = tmp_path / "server.properties"
    props.write_text(f"log.dirs={logs}\n")
    r = run("inspect", "--server-properties", str(props))
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "evil\\x1b[2J\\x1b]0;owned\\x07" in r.stdout
    # An error quoting a path says so on one line, escaped too.
    props.write_text(f"log.dirs={tmp_path}/gone\x1b[31m\n")
    r = run("inspect", "--server-properties", str(props))
    assert_one_line_error(r, 2, "gone\\x1b[31m")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep.yaml", "brokers: 1\ntopics: " + "[" * 100_000 + "]" * 100_000),
    ],
)
def test_a_plan_nested_too_deeply_is_one_line_not_a_traceback(
    tmp_path: Path, name: str, text: str
) -> None:
    f = tmp_path / name
    f.write_text(text)
    assert_one_line_error(run("whatif", "--file", str(f)), 2, str(f), "nested too deeply")


def test_an_option_error_names_the_option_as_typed() -> None:
    r = run("whatif", "--partitions", "3", "--live", "-1")
    assert_one_line_error(r, 2, "--live: ", "-1")
    assert "--live-max-map-count" not in r.stderr


def test_a_broker_whose_command_line_names_a_fifo_is_refused_without_waiting(
    tmp_path: Path,
) -> None:
    from standin_broker import standin_broker

    fifo = tmp_path / "server.properties"
    os.mkfifo(fifo)
    with standin_broker(fifo) as broker:
        r = run("check", "--pid", str(broker.pid))
    assert_one_line_error(r, 3, str(fifo), "not a regular file (a FIFO)")
