"""What a broker's log directories say it will map, scanned from real trees."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kafka_vmtune.errors import InputError
from kafka_vmtune.facts.logdirs import LogDirScan, scan_log_dirs


def segment(part: Path, base: int, index: bytes = b"i" * 8, timeindex: bytes = b"t" * 12) -> None:
    part.mkdir(parents=True, exist_ok=True)
    name = f"{base:020d}"
    (part / f"{name}.log").write_bytes(b"r" * 100)
    (part / f"{name}.index").write_bytes(index)
    (part / f"{name}.timeindex").write_bytes(timeindex)
    (part / f"{name}.snapshot").write_bytes(b"s")


def partition(part: Path, segments: int) -> None:
    for s in range(segments):
        segment(part, s * 100)
    (part / "leader-epoch-checkpoint").write_text("0\n1\n0 0\n")
    (part / "partition.metadata").write_text("version: 0\ntopic_id: x\n")


def broker_tree(root: Path) -> Path:
    d = root / "kafka-logs"
    partition(d / "orders-0", 3)
    partition(d / "orders-1", 2)
    partition(d / "my-topic-with-dashes-12", 4)
    partition(d / "__cluster_metadata-0", 1)
    (d / "__cluster_metadata-0" / "00000000000000000100-0000000001.checkpoint").write_text("c")
    # A freshly rolled segment: its time index has no entry yet (empty, never mapped).
    segment(d / "orders-0", 900, timeindex=b"")
    (d / "orders-0" / "00000000000000000000.txnindex").write_bytes(b"x" * 34)
    # Retention removed a segment: renamed .deleted, still mapped until the delete delay.
    (d / "orders-1" / "00000000000000000000.index.deleted").write_bytes(b"i" * 8)
    (d / "orders-1" / "00000000000000000000.timeindex.deleted").write_bytes(b"t" * 12)
    (d / "orders-1" / "00000000000000000000.log.deleted").write_bytes(b"r")
    (d / "orders-1" / "00000000000000000500.index.deleted").write_bytes(b"")
    # Topic deletion pending and a stray log: nothing of theirs is mapped.
    partition(d / "gone-3.4f8d1a7e2c9b4e0f8a1d2c3b4a5f6e7d-delete", 5)
    partition(d / "old-0.4f8d1a7e2c9b4e0f8a1d2c3b4a5f6e7d-stray", 5)
    cache = d / "remote-log-index-cache"
    cache.mkdir()
    for ext in ("index", "timeindex", "txnindex"):
        (cache / f"500_AbCdEfGhIjKlMnOpQrStUv.{ext}").write_bytes(b"c")
    for name in ("recovery-point-offset-checkpoint", "log-start-offset-checkpoint"):
        (d / name).write_text("0\n0\n")
    (d / "meta.properties").write_text("version=1\nnode.id=1\n")
    (d / "not-a-partition").mkdir()
    return d


def test_a_broker_tree_is_counted_as_the_broker_would_map_it(tmp_path: Path) -> None:
    d = broker_tree(tmp_path)
    assert scan_log_dirs([str(d)]) == LogDirScan(
        log_dirs=(str(d),),
        partitions=4,
        segments=3 + 1 + 2 + 4 + 1,
        index_files=2 * (3 + 2 + 4 + 1) + 1,
        empty_index_files=1,
        deleted_index_files=2,
        delete_dirs=1,
        stray_dirs=1,
        remote_cache_entries=2,
        top_topics=(("orders", 11), ("my-topic-with-dashes", 8), ("__cluster_metadata", 2)),
    )


def test_several_log_dirs_add_up_and_topics_merge(tmp_path: Path) -> None:
    partition(tmp_path / "a" / "orders-0", 2)
    partition(tmp_path / "b" / "orders-1", 3)
    partition(tmp_path / "b" / "payments-0", 1)
    scan = scan_log_dirs([str(tmp_path / "a"), str(tmp_path / "b")])
    assert (scan.partitions, scan.segments, scan.index_files) == (3, 6, 12)
    assert scan.top_topics == (("orders", 10), ("payments", 2))


def test_a_replica_moving_between_log_dirs_is_mapped_but_not_a_partition(tmp_path: Path) -> None:
    partition(tmp_path / "a" / "orders-0", 2)
    partition(tmp_path / "b" / "orders-0.0123456789abcdef0123456789abcdef-future", 2)
    scan = scan_log_dirs([str(tmp_path / "a"), str(tmp_path / "b")])
    assert (scan.partitions, scan.index_files) == (1, 8)


def test_top_topics_keeps_the_ten_largest(tmp_path: Path) -> None:
    for t in range(12):
        partition(tmp_path / f"t{t:02d}-0", t + 1)
    scan = scan_log_dirs([str(tmp_path)])
    assert scan.top_topics == tuple((f"t{t:02d}", 2 * (t + 1)) for t in range(11, 1, -1))


def test_parallel_and_serial_scans_agree_with_find(tmp_path: Path) -> None:
    """Many partitions (more than one batch per worker): counts match find's."""
    for p in range(300):
        partition(tmp_path / f"topic{p % 7}-{p}", 1 + p % 5)
        if p % 11 == 0:
            segment(tmp_path / f"topic{p % 7}-{p}", 9000, index=b"", timeindex=b"")
    serial = scan_log_dirs([str(tmp_path)], workers=1)
    parallel = scan_log_dirs([str(tmp_path)], workers=4)
    assert serial == parallel
    found = subprocess.run(
        [
            *("find", str(tmp_path), "(", "-name", "*.index", "-o", "-name", "*.timeindex"),
            *(")", "-size", "+0"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert serial.index_files == len(found)
    assert serial.empty_index_files == 2 * len(range(0, 300, 11))


def test_an_empty_log_dir_is_a_broker_with_nothing_yet(tmp_path: Path) -> None:
    scan = scan_log_dirs([str(tmp_path)])
    assert (scan.partitions, scan.index_files, scan.top_topics) == (0, 0, ())


def test_a_missing_log_dir_is_named(tmp_path: Path) -> None:
    partition(tmp_path / "ok" / "orders-0", 1)
    missing = tmp_path / "missing"
    with pytest.raises(InputError, match=str(missing)):
        scan_log_dirs([str(tmp_path / "ok"), str(missing)])


def test_a_file_given_as_log_dir_is_named(tmp_path: Path) -> None:
    f = tmp_path / "server.properties"
    f.write_text("x=1\n")
    with pytest.raises(InputError, match=str(f)):
        scan_log_dirs([str(f)])


def test_a_log_dir_listed_twice_through_a_slash_or_a_symlink_is_counted_once(
    tmp_path: Path,
) -> None:
    """Through the CLI, as an operator runs it: 3 spellings of one directory, 6 index files."""
    import json
    import sys

    logs = tmp_path / "logs"
    for p in range(3):
        segment(logs / f"t-{p}", 0)
    (tmp_path / "again").symlink_to(logs)
    props = tmp_path / "server.properties"
    props.write_text(f"log.dirs={logs},{logs}/,{tmp_path}/again,{logs}\n")
    cli = Path(sys.executable).parent / "kafka-vmtune"
    r = subprocess.run(
        [str(cli), "inspect", "--server-properties", str(props), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    disk = json.loads(r.stdout)["disk"]
    assert (disk["index_files"], disk["partitions"]) == (6, 3)
    assert disk["log_dirs"] == [str(logs)]
