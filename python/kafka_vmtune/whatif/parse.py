"""The what-if description checked and typed: WhatIfInput, its BrokerSpecs and TopicSpecs.

The description is a dict (the CLI loads it from YAML; see examples/whatif.yaml). Every
field is checked and a bad one raises InputError naming its path, e.g.
`topics[2].retention_ms: must be a positive integer or -1 (unlimited), got -5`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import defaults
from ..defaults import INT_MAX
from ..errors import InputError
from ..sizing.model import DEFAULT_REMOTE_ENTRY_BYTES, ThreadConfig
from ..sizing.projection import TopicSpec, segments_per_replica
from .fields import (
    check_keys,
    fail,
    flag,
    integer,
    mapping,
    number,
    required_integer,
    setting,
    text,
)

_TOP_KEYS = {
    "brokers",
    "topics",
    "headroom",
    "floor",
    "growth",
    "version",
    "leak_fraction",
    "gc_interval_s",
    "cpus",
    "malloc_arena_max",
    "threads",
    "listeners",
    "connections",
    "file_delete_delay_ms",
    "retention_check_interval_ms",
    "remote_cache_bytes",
    "remote_entry_bytes",
    "live_max_map_count",
    "broker_config",
}
_BROKER_KEYS = {"name", "cpus", "malloc_arena_max", "threads"}
_CONFIG_KEYS = {
    "num_io_threads",
    "num_network_threads",
    "num_replica_fetchers",
    "log_cleaner_threads",
    "background_threads",
}
_TOPIC_KEYS = {
    "name",
    "partitions",
    "replication_factor",
    "retention_ms",
    "retention_bytes",
    "segment_ms",
    "segment_bytes",
    "ingress_bytes_per_s",
    "cleanup_policy",
    "compacted_bytes",
    "min_cleanable_dirty_ratio",
    "remote_storage",
    "local_retention_ms",
    "local_retention_bytes",
    "max_segments",
}
_POLICIES = {"delete", "compact", "compact,delete", "delete,compact"}


@dataclass(frozen=True)
class BrokerSpec:
    name: str
    cpus: int
    malloc_arena_max: int | None
    threads: int | None


@dataclass(frozen=True)
class WhatIfInput:
    brokers: tuple[BrokerSpec, ...]
    topics: tuple[TopicSpec, ...]
    headroom: float
    floor: int
    growth: float
    version: str | None
    leak_fraction: float
    gc_interval_s: float | None
    listeners: int
    connections: int
    file_delete_delay_ms: int
    retention_check_interval_ms: int
    remote_cache_bytes: int | None
    remote_entry_bytes: int
    live_max_map_count: int  # the live value the brokers start from
    thread_config: ThreadConfig


def _brokers(raw: object, top: Mapping[str, Any]) -> tuple[BrokerSpec, ...]:
    cpus = integer(top, "cpus", "", 4, hi=4096)
    arena = integer(top, "malloc_arena_max", "", None, hi=65536)
    threads = integer(top, "threads", "", None, hi=1_000_000)
    assert cpus is not None
    if isinstance(raw, int) and not isinstance(raw, bool):
        count = required_integer({"brokers": raw}, "brokers", "", hi=10_000)
        return tuple(BrokerSpec(f"broker-{i}", cpus, arena, threads) for i in range(count))
    if not isinstance(raw, list) or not raw:
        raise fail("brokers", "must be a positive integer or a non-empty list", raw)
    if len(raw) > 10_000:
        raise fail("brokers", "must list at most 10000 brokers", len(raw))
    out: list[BrokerSpec] = []
    for i, item in enumerate(raw):
        path = f"brokers[{i}]"
        if isinstance(item, (str, int)) and not isinstance(item, bool):
            out.append(BrokerSpec(str(item), cpus, arena, threads))
            continue
        b = mapping(item, path)
        check_keys(b, _BROKER_KEYS, path)
        name = text(b, "name", path, f"broker-{i}")
        b_cpus = integer(b, "cpus", path, cpus, hi=4096)
        assert name is not None and b_cpus is not None
        out.append(
            BrokerSpec(
                name,
                b_cpus,
                integer(b, "malloc_arena_max", path, arena, hi=65536),
                integer(b, "threads", path, threads, hi=1_000_000),
            )
        )
    names = [b.name for b in out]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise InputError(f"brokers: duplicate broker name {dup!r}")
    return tuple(out)


def _topic(raw: object, i: int, brokers: int) -> TopicSpec:
    path = f"topics[{i}]"
    t = mapping(raw, path)
    check_keys(t, _TOPIC_KEYS, path)
    name = text(t, "name", path, f"topic-{i}")
    partitions = required_integer(t, "partitions", path, hi=1_000_000)
    rf = integer(t, "replication_factor", path, 1, hi=1000) or 1
    if rf > brokers:
        raise fail(f"{path}.replication_factor", f"exceeds the {brokers} brokers", rf)
    policy = text(t, "cleanup_policy", path, "delete")
    assert policy is not None and name is not None
    policy = policy.replace(" ", "")
    if policy not in _POLICIES:
        raise fail(f"{path}.cleanup_policy", "must be delete, compact or compact,delete", policy)
    retention_ms = integer(t, "retention_ms", path, defaults.RETENTION_MS, unlimited=True)
    retention_bytes = integer(t, "retention_bytes", path, None, unlimited=True)
    segment_bytes = integer(t, "segment_bytes", path, defaults.SEGMENT_BYTES, lo=14, hi=INT_MAX)
    segment_ms = integer(t, "segment_ms", path, defaults.SEGMENT_MS)
    assert segment_bytes is not None and segment_ms is not None
    ingress = number(t, "ingress_bytes_per_s", path, 0.0, lo=0.0, hi=10e9)
    ratio = number(
        t, "min_cleanable_dirty_ratio", path, defaults.DIRTY_RATIO, lo=0.0, hi=0.99, lo_open=True
    )
    remote = flag(t, "remote_storage", path)
    local_ms = integer(t, "local_retention_ms", path, None, lo=-2, unlimited=True)
    local_bytes = integer(t, "local_retention_bytes", path, None, lo=-2, unlimited=True)
    spec = TopicSpec(
        name=name,
        partitions=partitions,
        replication_factor=rf,
        retention_ms=retention_ms,
        retention_bytes=retention_bytes,
        segment_ms=segment_ms,
        segment_bytes=segment_bytes,
        ingress_bytes_per_s=ingress,
        cleanup_policy=policy,
        compacted_bytes=integer(t, "compacted_bytes", path, None, lo=0),
        min_cleanable_dirty_ratio=ratio,
        remote_storage=remote,
        # -2: same as retention.* (Kafka's default for local.retention.*)
        local_retention_ms=None if local_ms in (None, -2) else local_ms,
        local_retention_bytes=None if local_bytes in (None, -2) else local_bytes,
        max_segments=integer(t, "max_segments", path, None, hi=10_000_000),
    )
    try:
        segments_per_replica(spec)
    except InputError as e:
        raise InputError(f"{path}: {str(e).split(': ', 1)[-1]}") from None
    return spec


def parse_whatif(raw: object) -> WhatIfInput:
    """Check a what-if description; InputError names the first bad field's path."""
    doc = mapping(raw, "whatif")
    check_keys(doc, _TOP_KEYS, "")
    if "brokers" not in doc:
        raise InputError("brokers: required (a count or a list of brokers)")
    brokers = _brokers(doc["brokers"], doc)
    topics_raw = doc.get("topics")
    if not isinstance(topics_raw, list) or not topics_raw:
        raise fail("topics", "must be a non-empty list", topics_raw)
    topics = tuple(_topic(t, i, len(brokers)) for i, t in enumerate(topics_raw))
    cfg_raw = mapping(doc.get("broker_config") or {}, "broker_config")
    check_keys(cfg_raw, _CONFIG_KEYS, "broker_config")
    base = ThreadConfig()

    def cfg(key: str, default: int) -> int:
        v = integer(cfg_raw, key, "broker_config", default, lo=0, hi=10_000)
        assert v is not None
        return v

    listeners = integer(doc, "listeners", "", 2, hi=100)
    thread_config = ThreadConfig(
        num_io_threads=cfg("num_io_threads", base.num_io_threads),
        num_network_threads=cfg("num_network_threads", base.num_network_threads),
        listeners=listeners or 2,
        num_replica_fetchers=cfg("num_replica_fetchers", base.num_replica_fetchers),
        brokers=len(brokers),
        log_cleaner_threads=cfg("log_cleaner_threads", base.log_cleaner_threads),
        background_threads=cfg("background_threads", base.background_threads),
    )
    gc_interval = doc.get("gc_interval_s")
    return WhatIfInput(
        brokers=brokers,
        topics=topics,
        headroom=setting(doc, "headroom"),
        floor=int(setting(doc, "floor")),
        growth=number(doc, "growth", "", 1.0, lo=1.0, hi=1000.0),
        version=text(doc, "version", "", None),
        leak_fraction=setting(doc, "leak_fraction"),
        gc_interval_s=(
            None
            if gc_interval is None
            else number(doc, "gc_interval_s", "", 0.0, lo=0.0, hi=30 * 86400.0, lo_open=True)
        ),
        listeners=listeners or 2,
        connections=int(setting(doc, "connections")),
        file_delete_delay_ms=integer(
            doc, "file_delete_delay_ms", "", defaults.FILE_DELETE_DELAY_MS, lo=0
        )
        or 0,
        retention_check_interval_ms=integer(
            doc, "retention_check_interval_ms", "", defaults.RETENTION_CHECK_MS
        )
        or defaults.RETENTION_CHECK_MS,
        remote_cache_bytes=integer(doc, "remote_cache_bytes", "", None),
        remote_entry_bytes=integer(doc, "remote_entry_bytes", "", DEFAULT_REMOTE_ENTRY_BYTES)
        or DEFAULT_REMOTE_ENTRY_BYTES,
        live_max_map_count=integer(
            doc, "live_max_map_count", "", defaults.KERNEL_MAX_MAP_COUNT, hi=INT_MAX
        )
        or defaults.KERNEL_MAX_MAP_COUNT,
        thread_config=thread_config,
    )
