"""The host report: complete on a host without Kafka, counts from real log dirs and sysctl files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from report_schema import REPORT_KEYS
from standin_broker import standin_broker

from kafka_vmtune.errors import InputError
from kafka_vmtune.pipeline import inspect_host

KAFKA_KEYS = {
    "found",
    "pid",
    "unit",
    "server_properties",
    "log_dirs",
    "version",
    "node_id",
    "process_roles",
    "leak_affected",
    "start_time",
}
SYSCTL_KEYS = {
    "key",
    "live",
    "writable",
    "boot_value",
    "boot_source",
    "ours",
    "settings",
    "overridden_by",
}
REC_KEYS = {"live", "required", "floor", "recommended", "action", "reason", "nofile"}
STATUS_KEYS = {"level", "used", "live", "used_ratio", "required_ratio", "reasons"}
DISK_KEYS = {
    "log_dirs",
    "partitions",
    "segments",
    "index_files",
    "empty_index_files",
    "deleted_index_files",
    "delete_dirs",
    "stray_dirs",
    "remote_cache_entries",
    "top_topics",
}


@pytest.fixture
def empty_proc(tmp_path: Path) -> Path:
    """A /proc with no processes: a host without Kafka (the real /proc has test brokers)."""
    proc = tmp_path / "proc"
    (proc / "sys" / "vm").mkdir(parents=True)
    (proc / "sys" / "vm" / "max_map_count").write_text("65530\n")
    (proc / "stat").write_text("btime 1700000000\n")
    return proc


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    (r / "etc" / "sysctl.d").mkdir(parents=True)
    return r


def write_log_dir(base: Path, topic: str, partitions: int, segments: int) -> None:
    for p in range(partitions):
        d = base / f"{topic}-{p}"
        d.mkdir(parents=True)
        for s in range(segments):
            name = f"{s * 1000:020d}"
            (d / f"{name}.log").write_bytes(b"x")
            (d / f"{name}.index").write_bytes(b"\0" * 8)
            # The newest segment has a time index entry; rolled ones here have none.
            (d / f"{name}.timeindex").write_bytes(b"\0" * 12 if s == segments - 1 else b"")


def test_a_host_without_kafka_gets_a_complete_report_from_defaults(
    empty_proc: Path, root: Path
) -> None:
    report = inspect_host(proc=str(empty_proc), root=str(root))
    json.dumps(report)  # JSON-able
    assert set(report) >= REPORT_KEYS
    assert set(report["kafka"]) >= KAFKA_KEYS
    assert report["kafka"]["found"] is False
    assert report["process"] is None and report["maps"] is None and report["disk"] is None
    assert set(report["sysctl"]) >= SYSCTL_KEYS
    assert set(report["recommendation"]) >= REC_KEYS
    assert set(report["status"]) >= STATUS_KEYS
    assert {t["symbol"] for t in report["model"]["terms"]} == set("BTASLDC")
    assert {t["source"] for t in report["model"]["terms"]} <= {"default", "configured"}
    rec = report["recommendation"]
    assert rec["live"] == 65530 and rec["recommended"] == 262144 and rec["action"] == "raise"
    assert report["status"]["level"] == "ok" and report["status"]["used"] is None


def test_log_dirs_in_server_properties_are_counted(
    tmp_path: Path, empty_proc: Path, root: Path
) -> None:
    logs = [tmp_path / "d1", tmp_path / "d2"]
    write_log_dir(logs[0], "orders", 3, 4)
    write_log_dir(logs[1], "clicks", 2, 5)
    (logs[1] / "clicks-0" / "00000000000000099999.index.deleted").write_bytes(b"\0" * 8)
    props = tmp_path / "server.properties"
    props.write_text(f"log.dirs={logs[0]},{logs[1]}\nnode.id=7\nprocess.roles=broker\n")
    report = inspect_host(server_properties=str(props), proc=str(empty_proc), root=str(root))
    disk = report["disk"]
    assert set(disk) >= DISK_KEYS
    segments = 3 * 4 + 2 * 5
    partitions = 3 + 2
    assert disk["segments"] == segments
    # Every .index is non-empty; only each partition's newest .timeindex is.
    assert disk["index_files"] == segments + partitions
    s = next(t for t in report["model"]["terms"] if t["symbol"] == "S")
    assert (s["areas"], s["source"]) == (segments + partitions, "observed")
    d = next(t for t in report["model"]["terms"] if t["symbol"] == "D")
    assert d["areas"] == 1
    assert report["kafka"]["node_id"] == 7 and report["kafka"]["process_roles"] == ["broker"]
    assert report["recommendation"]["nofile"]["required"] >= segments


def test_an_unreadable_log_dir_is_an_input_error(
    tmp_path: Path, empty_proc: Path, root: Path
) -> None:
    props = tmp_path / "server.properties"
    props.write_text(f"log.dirs={tmp_path / 'missing'}\n")
    with pytest.raises(InputError, match="missing"):
        inspect_host(server_properties=str(props), proc=str(empty_proc), root=str(root))


def test_a_later_sysctl_file_overriding_ours_is_reported(empty_proc: Path, root: Path) -> None:
    d = root / "etc" / "sysctl.d"
    (d / "60-kafka-vmtune.conf").write_text("vm.max_map_count = 262144\n")
    (d / "99-tuning.conf").write_text("# old\nvm.max_map_count=65530\n")
    report = inspect_host(proc=str(empty_proc), root=str(root))
    sysctl = report["sysctl"]
    assert sysctl["boot_value"] == 65530
    assert sysctl["overridden_by"] == ["/etc/sysctl.d/99-tuning.conf"]
    assert [s["line"] for s in sysctl["settings"]] == [1, 2]
    assert report["status"]["level"] == "warn"
    assert any("overridden" in r for r in report["status"]["reasons"])


def test_a_live_value_that_will_not_survive_reboot_is_a_warning(
    empty_proc: Path, root: Path
) -> None:
    (empty_proc / "sys" / "vm" / "max_map_count").write_text("262144\n")
    (root / "etc" / "sysctl.d" / "60-kafka-vmtune.conf").write_text("vm.max_map_count=131072\n")
    report = inspect_host(proc=str(empty_proc), root=str(root))
    assert report["status"]["level"] == "warn"
    assert any("not persisted" in r for r in report["status"]["reasons"])
    assert report["recommendation"]["recommended"] == 262144  # never below the live value


def test_an_unknown_pid_is_an_input_error(root: Path) -> None:
    pid = 2**22 + 17
    assert not os.path.exists(f"/proc/{pid}")
    with pytest.raises(InputError, match=f"no process with PID {pid}"):
        inspect_host(pid=pid, root=str(root))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"headroom": 0.5}, "headroom"),
        ({"headroom": float("nan")}, "headroom"),
        (
            {"warn_ratio": 0.95, "critical_ratio": 0.9},
            "must not exceed kafka_vmtune_critical_ratio",
        ),
        ({"floor": -1}, "floor"),
    ],
)
def test_bad_parameters_are_input_errors(
    kwargs: dict[str, float], message: str, empty_proc: Path, root: Path
) -> None:
    with pytest.raises(InputError, match=message):
        inspect_host(proc=str(empty_proc), root=str(root), **kwargs)  # type: ignore[arg-type]


def test_a_real_process_is_measured_from_proc(root: Path) -> None:
    # A stand-in broker: threads and maps come from the real /proc.
    with standin_broker() as broker:
        report = inspect_host(pid=broker.pid, root=str(root))
    t = next(t for t in report["model"]["terms"] if t["symbol"] == "T")
    assert t["source"] == "observed" and t["count"] == report["process"]["threads"]
    assert report["maps"]["total"] == report["status"]["used"] > 0
    assert report["status"]["live"] == int(Path("/proc/sys/vm/max_map_count").read_text())
