"""The broker settings that decide map usage, with Kafka's defaults (kafka_vmtune.defaults)."""

from __future__ import annotations

from typing import NamedTuple

from .. import defaults
from ..errors import InputError


class BrokerConfig(NamedTuple):
    log_dirs: tuple[str, ...]
    node_id: int | None
    process_roles: tuple[str, ...]
    segment_bytes: int
    segment_ms: int
    retention_ms: int | None  # None = unlimited
    retention_bytes: int | None
    file_delete_delay_ms: int
    remote_cache_bytes: int | None
    num_io_threads: int
    num_network_threads: int
    num_replica_fetchers: int
    log_cleaner_threads: int
    background_threads: int


_HOUR_MS = 3_600_000
_MINUTE_MS = 60_000


def _int(props: dict[str, str], key: str, default: int) -> int:
    raw = props.get(key)
    if raw is None:
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise InputError(f"server.properties: {key}={raw!r} is not a whole number") from None


def _list(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


def broker_config(props: dict[str, str]) -> BrokerConfig:
    """The settings that decide map usage, with Kafka's defaults for anything unset."""
    log_dirs = _list(props.get("log.dirs") or props.get("log.dir") or defaults.LOG_DIRS)
    node = _int(props, "node.id", -1) if "node.id" in props else _int(props, "broker.id", -1)
    if "log.roll.ms" in props:
        segment_ms = _int(props, "log.roll.ms", 0)
    else:
        segment_ms = _int(props, "log.roll.hours", defaults.ROLL_HOURS) * _HOUR_MS
    if "log.retention.ms" in props:
        retention = _int(props, "log.retention.ms", 0)
    elif "log.retention.minutes" in props:
        retention = _int(props, "log.retention.minutes", 0) * _MINUTE_MS
    else:
        retention = _int(props, "log.retention.hours", defaults.RETENTION_HOURS) * _HOUR_MS
    retention_bytes = _int(props, "log.retention.bytes", defaults.RETENTION_BYTES)
    remote = props.get("remote.log.storage.system.enable", "false").strip().lower() == "true"
    return BrokerConfig(
        log_dirs=log_dirs,
        node_id=node if node >= 0 else None,
        process_roles=_list(props.get("process.roles", "")),
        segment_bytes=_int(props, "log.segment.bytes", defaults.SEGMENT_BYTES),
        segment_ms=segment_ms,
        retention_ms=retention if retention >= 0 else None,
        retention_bytes=retention_bytes if retention_bytes >= 0 else None,
        file_delete_delay_ms=_int(props, "file.delete.delay.ms", defaults.FILE_DELETE_DELAY_MS),
        remote_cache_bytes=(
            _int(
                props,
                "remote.log.index.file.cache.total.size.bytes",
                defaults.REMOTE_INDEX_CACHE_BYTES,
            )
            if remote
            else None
        ),
        num_io_threads=_int(props, "num.io.threads", defaults.NUM_IO_THREADS),
        num_network_threads=_int(props, "num.network.threads", defaults.NUM_NETWORK_THREADS),
        num_replica_fetchers=_int(props, "num.replica.fetchers", defaults.NUM_REPLICA_FETCHERS),
        log_cleaner_threads=_int(props, "log.cleaner.threads", defaults.LOG_CLEANER_THREADS),
        background_threads=_int(props, "background.threads", defaults.BACKGROUND_THREADS),
    )
