"""What-if: the model for brokers that do not exist yet, from a description of topics.

The description is a dict (the CLI loads it from YAML; see examples/plan.yaml). Every
field is validated and a bad one raises InputError naming its path, e.g.
`topics[2].retention_ms: must be a positive integer or -1 (unlimited), got -5`.
Replicas are spread round-robin over the brokers as Kafka's default placement does, and
each broker gets its own model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..facts.versions import resize_leak_affected
from ..sizing.model import (
    AREAS_PER_THREAD,
    DEFAULT_HEADROOM,
    DEFAULT_LEAK_FRACTION,
    Model,
    Term,
    ThreadConfig,
    arenas_term,
    build_model,
    deletes_projected,
    fixed_term,
    leak_term,
    remote_term,
    segments_projected,
    threads_estimated,
)
from ..sizing.projection import (
    DEFAULT_FILE_DELETE_DELAY_MS,
    DEFAULT_RETENTION_CHECK_MS,
    DEFAULT_SEGMENT_BYTES,
    DEFAULT_SEGMENT_MS,
    TopicSpec,
    pending_delete_segments,
    segments_per_replica,
)
from ..sizing.recommend import (
    DEFAULT_CONNECTIONS,
    DEFAULT_FLOOR,
    MapRecommendation,
    NofileRecommendation,
    recommend_max_map_count,
    recommend_nofile,
)

INT_MAX = 2**31 - 1
LONG_MAX = 2**63 - 1
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
    "current_max_map_count",
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


# --- validation -----------------------------------------------------------------------------


def _fail(path: str, message: str, value: object) -> InputError:
    return InputError(f"{path}: {message}, got {value!r}")


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, "must be a mapping", value)
    for key in value:
        if not isinstance(key, str):
            raise _fail(path, "keys must be strings", key)
    return value


def _check_keys(obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        where = f"{path}." if path else ""
        raise InputError(
            f"{where}{unknown[0]}: unknown field (known: {', '.join(sorted(allowed))})"
        )


def _int(
    obj: Mapping[str, Any],
    key: str,
    path: str,
    default: int | None,
    *,
    lo: int = 1,
    hi: int = LONG_MAX,
    unlimited: bool = False,
) -> int | None:
    """An integer in [lo, hi]; with `unlimited`, -1 (or null) means no limit -> None."""
    full = f"{path}.{key}" if path else key
    if key not in obj or obj[key] is None:
        return None if unlimited and key in obj else default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(full, "must be an integer", value)
    if unlimited and value == -1:
        return None
    if value < lo:
        what = "a positive integer" if lo == 1 else f"an integer >= {lo}"
        if unlimited:
            what += " or -1 (unlimited)"
        raise _fail(full, f"must be {what}", value)
    if value > hi:
        raise _fail(full, f"must be at most {hi}", value)
    return value


def _req_int(obj: Mapping[str, Any], key: str, path: str, **kw: Any) -> int:
    value = _int(obj, key, path, None, **kw)
    if value is None:
        raise InputError(f"{path}.{key}: required" if path else f"{key}: required")
    return value


def _num(
    obj: Mapping[str, Any],
    key: str,
    path: str,
    default: float,
    *,
    lo: float,
    hi: float,
    lo_open: bool = False,
) -> float:
    full = f"{path}.{key}" if path else key
    if key not in obj or obj[key] is None:
        return default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(full, "must be a number", value)
    if value < lo or (lo_open and value == lo) or value > hi:
        lo_txt = f"> {lo:g}" if lo_open else f">= {lo:g}"
        raise _fail(full, f"must be {lo_txt} and <= {hi:g}", value)
    return float(value)


def _str(obj: Mapping[str, Any], key: str, path: str, default: str | None) -> str | None:
    full = f"{path}.{key}" if path else key
    if key not in obj or obj[key] is None:
        return default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or str(value) == "":
        raise _fail(full, "must be a non-empty string", value)
    return str(value)


def _bool(obj: Mapping[str, Any], key: str, path: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise _fail(f"{path}.{key}", "must be true or false", value)
    return value


# --- parsed description ---------------------------------------------------------------------


@dataclass(frozen=True)
class BrokerSpec:
    name: str
    cpus: int
    malloc_arena_max: int | None
    threads: int | None


@dataclass(frozen=True)
class PlanInput:
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
    current_max_map_count: int
    thread_config: ThreadConfig


def _brokers(raw: object, defaults: Mapping[str, Any]) -> tuple[BrokerSpec, ...]:
    cpus = _int(defaults, "cpus", "", 4, hi=4096)
    arena = _int(defaults, "malloc_arena_max", "", None, hi=65536)
    threads = _int(defaults, "threads", "", None, hi=1_000_000)
    assert cpus is not None
    if isinstance(raw, int) and not isinstance(raw, bool):
        count = _req_int({"brokers": raw}, "brokers", "", hi=10_000)
        return tuple(BrokerSpec(f"broker-{i}", cpus, arena, threads) for i in range(count))
    if not isinstance(raw, list) or not raw:
        raise _fail("brokers", "must be a positive integer or a non-empty list", raw)
    if len(raw) > 10_000:
        raise _fail("brokers", "must list at most 10000 brokers", len(raw))
    out: list[BrokerSpec] = []
    for i, item in enumerate(raw):
        path = f"brokers[{i}]"
        if isinstance(item, (str, int)) and not isinstance(item, bool):
            out.append(BrokerSpec(str(item), cpus, arena, threads))
            continue
        b = _mapping(item, path)
        _check_keys(b, _BROKER_KEYS, path)
        name = _str(b, "name", path, f"broker-{i}")
        b_cpus = _int(b, "cpus", path, cpus, hi=4096)
        assert name is not None and b_cpus is not None
        out.append(
            BrokerSpec(
                name,
                b_cpus,
                _int(b, "malloc_arena_max", path, arena, hi=65536),
                _int(b, "threads", path, threads, hi=1_000_000),
            )
        )
    names = [b.name for b in out]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise InputError(f"brokers: duplicate broker name {dup!r}")
    return tuple(out)


def _topic(raw: object, i: int, brokers: int) -> TopicSpec:
    path = f"topics[{i}]"
    t = _mapping(raw, path)
    _check_keys(t, _TOPIC_KEYS, path)
    name = _str(t, "name", path, f"topic-{i}")
    partitions = _req_int(t, "partitions", path, hi=1_000_000)
    rf = _int(t, "replication_factor", path, 1, hi=1000) or 1
    if rf > brokers:
        raise _fail(f"{path}.replication_factor", f"exceeds the {brokers} brokers", rf)
    policy = _str(t, "cleanup_policy", path, "delete")
    assert policy is not None and name is not None
    policy = policy.replace(" ", "")
    if policy not in _POLICIES:
        raise _fail(f"{path}.cleanup_policy", "must be delete, compact or compact,delete", policy)
    retention_ms = _int(t, "retention_ms", path, 7 * 86_400_000, unlimited=True)
    retention_bytes = _int(t, "retention_bytes", path, None, unlimited=True)
    segment_bytes = _int(t, "segment_bytes", path, DEFAULT_SEGMENT_BYTES, lo=14, hi=INT_MAX)
    segment_ms = _int(t, "segment_ms", path, DEFAULT_SEGMENT_MS)
    assert segment_bytes is not None and segment_ms is not None
    ingress = _num(t, "ingress_bytes_per_s", path, 0.0, lo=0.0, hi=10e9)
    ratio = _num(t, "min_cleanable_dirty_ratio", path, 0.5, lo=0.0, hi=0.99, lo_open=True)
    remote = _bool(t, "remote_storage", path)
    local_ms = _int(t, "local_retention_ms", path, None, lo=-2, unlimited=True)
    local_bytes = _int(t, "local_retention_bytes", path, None, lo=-2, unlimited=True)
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
        compacted_bytes=_int(t, "compacted_bytes", path, None, lo=0),
        min_cleanable_dirty_ratio=ratio,
        remote_storage=remote,
        # -2: same as retention.* (Kafka's default for local.retention.*)
        local_retention_ms=None if local_ms in (None, -2) else local_ms,
        local_retention_bytes=None if local_bytes in (None, -2) else local_bytes,
        max_segments=_int(t, "max_segments", path, None, hi=10_000_000),
    )
    try:
        segments_per_replica(spec)
    except InputError as e:
        raise InputError(f"{path}: {str(e).split(': ', 1)[-1]}") from None
    return spec


def parse_plan(raw: object) -> PlanInput:
    """Validate a plan description; InputError names the first bad field's path."""
    doc = _mapping(raw, "plan")
    _check_keys(doc, _TOP_KEYS, "")
    if "brokers" not in doc:
        raise InputError("brokers: required (a count or a list of brokers)")
    brokers = _brokers(doc["brokers"], doc)
    topics_raw = doc.get("topics")
    if not isinstance(topics_raw, list) or not topics_raw:
        raise _fail("topics", "must be a non-empty list", topics_raw)
    topics = tuple(_topic(t, i, len(brokers)) for i, t in enumerate(topics_raw))
    cfg_raw = _mapping(doc.get("broker_config") or {}, "broker_config")
    _check_keys(cfg_raw, _CONFIG_KEYS, "broker_config")
    base = ThreadConfig()

    def cfg(key: str, default: int) -> int:
        v = _int(cfg_raw, key, "broker_config", default, lo=0, hi=10_000)
        assert v is not None
        return v

    listeners = _int(doc, "listeners", "", 2, hi=100)
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
    return PlanInput(
        brokers=brokers,
        topics=topics,
        headroom=_num(doc, "headroom", "", DEFAULT_HEADROOM, lo=1.0, hi=100.0),
        floor=_int(doc, "floor", "", DEFAULT_FLOOR, lo=0, hi=INT_MAX) or 0,
        growth=_num(doc, "growth", "", 1.0, lo=1.0, hi=1000.0),
        version=_str(doc, "version", "", None),
        leak_fraction=_num(doc, "leak_fraction", "", DEFAULT_LEAK_FRACTION, lo=0.0, hi=10.0),
        gc_interval_s=(
            None
            if gc_interval is None
            else _num(doc, "gc_interval_s", "", 0.0, lo=0.0, hi=30 * 86400.0, lo_open=True)
        ),
        listeners=listeners or 2,
        connections=_int(doc, "connections", "", DEFAULT_CONNECTIONS, lo=0, hi=10_000_000) or 0,
        file_delete_delay_ms=_int(
            doc, "file_delete_delay_ms", "", DEFAULT_FILE_DELETE_DELAY_MS, lo=0
        )
        or 0,
        retention_check_interval_ms=_int(
            doc, "retention_check_interval_ms", "", DEFAULT_RETENTION_CHECK_MS
        )
        or DEFAULT_RETENTION_CHECK_MS,
        remote_cache_bytes=_int(doc, "remote_cache_bytes", "", None),
        remote_entry_bytes=_int(doc, "remote_entry_bytes", "", 1 << 20) or 1 << 20,
        current_max_map_count=_int(doc, "current_max_map_count", "", 65530, hi=INT_MAX) or 65530,
        thread_config=thread_config,
    )


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokerPlan:
    name: str
    replicas: int
    segments: int
    model: Model
    recommendation: MapRecommendation
    nofile: NofileRecommendation

    def as_dict(self) -> dict[str, Any]:
        r = self.recommendation
        return {
            "broker": self.name,
            "replicas": self.replicas,
            "segments": self.segments,
            "model": self.model.as_dict(),
            "recommendation": {
                "current": r.current,
                "required": r.required,
                "floor": r.floor,
                "recommended": r.recommended,
                "action": r.action,
                "reason": r.reason,
                "nofile": {
                    "current": self.nofile.current,
                    "required": self.nofile.required,
                    "recommended": self.nofile.recommended,
                    "detail": self.nofile.detail,
                },
            },
        }


@dataclass
class _Load:
    replicas: int = 0
    segments: float = 0.0
    rolls_per_s: float = 0.0
    tiered: bool = False


def assign_replicas(plan: PlanInput) -> list[_Load]:
    """Replicas laid out round-robin, partition after partition, topic start rotated.

    Replica r of partition p sits on broker (start + p x RF + r) mod n: the replicas of a
    partition are on distinct brokers (RF <= n) and every broker gets within one replica of
    every other, per topic.
    """
    n = len(plan.brokers)
    loads = [_Load() for _ in range(n)]
    for t_index, topic in enumerate(plan.topics):
        est = segments_per_replica(topic)
        start = t_index % n
        full, rest = divmod(topic.partitions * topic.replication_factor, n)
        per_broker = [full + (1 if (b - start) % n < rest else 0) for b in range(n)]
        for b, count in enumerate(per_broker):
            loads[b].replicas += count
            loads[b].segments += count * est.segments
            loads[b].rolls_per_s += count * est.rolls_per_s
            loads[b].tiered = loads[b].tiered or (topic.remote_storage and count > 0)
    return loads


def plan_brokers(plan: PlanInput) -> list[BrokerPlan]:
    affected = resize_leak_affected(plan.version)
    out: list[BrokerPlan] = []
    for broker, load in zip(plan.brokers, assign_replicas(plan)):
        segments = math.ceil(load.segments * plan.growth)
        rolls = load.rolls_per_s * plan.growth
        growth_txt = f" x growth {plan.growth:g}" if plan.growth != 1 else ""
        s_term = segments_projected(
            segments,
            f"{load.replicas} partition replicas on this broker, {segments} segments"
            f" projected from retention and segment size/time{growth_txt}",
        )
        if broker.threads is not None:
            threads = Term(
                "T", "threads", broker.threads, AREAS_PER_THREAD, "configured", "given in the plan"
            )
        else:
            threads = threads_estimated(plan.thread_config, broker.cpus, configured=True)
        rolls_between_gc = (
            math.ceil(rolls * plan.gc_interval_s) if plan.gc_interval_s is not None else None
        )
        leak = leak_term(
            affected=affected,
            version=plan.version,
            index_areas=s_term.areas,
            observed_leaked=None,
            leak_fraction=plan.leak_fraction,
            rolls_between_gc=rolls_between_gc,
        )
        pending = pending_delete_segments(
            rolls, plan.file_delete_delay_ms, plan.retention_check_interval_ms
        )
        deletes = deletes_projected(
            pending,
            f"{rolls * 3600:.1f} segment deletes/h x (retention check"
            f" {plan.retention_check_interval_ms} ms + file.delete.delay.ms"
            f" {plan.file_delete_delay_ms})",
        )
        remote = remote_term(
            tiered=load.tiered,
            observed_areas=None,
            cache_bytes=plan.remote_cache_bytes if plan.remote_cache_bytes else 1 << 30,
            entry_bytes=plan.remote_entry_bytes,
        )
        model = build_model(
            fixed=fixed_term(),
            threads=threads,
            arenas=arenas_term(broker.malloc_arena_max, broker.cpus),
            segments=s_term,
            leak=leak,
            deletes=deletes,
            remote=remote,
            headroom=plan.headroom,
        )
        rec = recommend_max_map_count(plan.current_max_map_count, model.required, plan.floor)
        nofile = recommend_nofile(segments, current=None, connections=plan.connections)
        out.append(BrokerPlan(broker.name, load.replicas, segments, model, rec, nofile))
    return out


def plan_from_dict(raw: object) -> list[BrokerPlan]:
    return plan_brokers(parse_plan(raw))
