"""How many segments a partition replica holds, from its topic's config and ingress. Pure.

- delete policy, by time: ceil(retention.ms / roll_ms) + 1, where a segment rolls at
  roll_ms = min(segment.ms, segment.bytes / ingress bytes per ms); a segment is deleted
  only once its newest record is older than retention, hence the +1 (the active segment).
- delete policy, by size: ceil(retention.bytes / segment.bytes) + 1.
- both set: the smaller (whichever deletes first wins). Neither: a cap is required.
- compact: clean part regrouped by the cleaner into segment.bytes pieces, plus the dirty
  part the cleaner lets grow to min.cleanable.dirty.ratio before cleaning, plus the active
  segment. `compact,delete` takes the smaller of this and the delete bound.
- tiered: only local.retention.* stays on local disk (-2 = same as retention.*).
Each segment has 2 mapped indexes (offset + time). A segment smaller than
index.interval.bytes (4096) has empty indexes, which are never mapped: 2 is an upper bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import defaults
from ..errors import InputError

INDEX_FILES_PER_SEGMENT = 2


@dataclass(frozen=True)
class TopicSpec:
    """One topic's settings that decide its segment count. None = unlimited / not set."""

    name: str
    partitions: int
    replication_factor: int = 1
    retention_ms: int | None = defaults.RETENTION_MS
    retention_bytes: int | None = None
    segment_ms: int = defaults.SEGMENT_MS
    segment_bytes: int = defaults.SEGMENT_BYTES
    ingress_bytes_per_s: float = 0.0  # per partition
    cleanup_policy: str = "delete"  # delete | compact | compact,delete
    compacted_bytes: int | None = None  # live key set per partition, for compact
    min_cleanable_dirty_ratio: float = defaults.DIRTY_RATIO
    remote_storage: bool = False
    local_retention_ms: int | None = None  # None = same as retention_ms
    local_retention_bytes: int | None = None
    max_segments: int | None = None  # explicit cap per replica


@dataclass(frozen=True)
class SegmentEstimate:
    segments: int  # per partition replica, active included
    roll_ms: float | None  # how often a segment rolls; None without ingress
    basis: str  # time | size | compact | cap | idle
    detail: str

    @property
    def rolls_per_s(self) -> float:
        return 0.0 if not self.roll_ms else 1000.0 / self.roll_ms


def roll_interval_ms(spec: TopicSpec) -> float | None:
    """Milliseconds between rolls: segment.ms or filling segment.bytes, whichever first."""
    if spec.ingress_bytes_per_s <= 0:
        return None
    fill_ms = spec.segment_bytes / spec.ingress_bytes_per_s * 1000.0
    return min(float(spec.segment_ms), fill_ms)


def _delete_bound(spec: TopicSpec, roll_ms: float | None) -> tuple[int, str, str] | None:
    retention_ms, retention_bytes = spec.retention_ms, spec.retention_bytes
    where = ""
    if spec.remote_storage:
        if spec.local_retention_ms is not None:
            retention_ms = spec.local_retention_ms
        if spec.local_retention_bytes is not None:
            retention_bytes = spec.local_retention_bytes
        where = "local "
    options: list[tuple[int, str, str]] = []
    if retention_ms is not None and roll_ms is not None:
        n = math.ceil(retention_ms / roll_ms) + 1
        options.append(
            (n, "time", f"{where}retention {retention_ms} ms / roll every {roll_ms:.0f} ms + 1")
        )
    if retention_bytes is not None:
        n = math.ceil(retention_bytes / spec.segment_bytes) + 1
        options.append(
            (
                n,
                "size",
                f"{where}retention {retention_bytes} B / segment {spec.segment_bytes} B + 1",
            )
        )
    return min(options) if options else None


def _compact_bound(spec: TopicSpec, roll_ms: float | None) -> tuple[int, str, str] | None:
    if spec.compacted_bytes is None:
        return None
    ratio = spec.min_cleanable_dirty_ratio
    clean = math.ceil(spec.compacted_bytes / spec.segment_bytes)
    # Cleaning starts when dirty / (clean + dirty) reaches the ratio.
    dirty_bytes = spec.compacted_bytes * ratio / (1.0 - ratio)
    roll_bytes = float(spec.segment_bytes)
    if roll_ms is not None:
        roll_bytes = min(roll_bytes, spec.ingress_bytes_per_s * roll_ms / 1000.0)
    dirty = math.ceil(dirty_bytes / roll_bytes) if roll_bytes > 0 else 0
    n = clean + dirty + 1
    return (
        n,
        "compact",
        f"compacted: {clean} clean + {dirty} dirty (ratio {ratio:g}) + 1 active",
    )


def segments_per_replica(spec: TopicSpec) -> SegmentEstimate:
    """Segments one replica of a partition of `spec` holds in steady state."""
    roll_ms = roll_interval_ms(spec)
    policies = {p.strip() for p in spec.cleanup_policy.split(",")}
    bounds: list[tuple[int, str, str]] = []
    if spec.max_segments is not None:
        bounds.append((spec.max_segments, "cap", f"explicit cap of {spec.max_segments}"))
    if "compact" in policies:
        compact = _compact_bound(spec, roll_ms)
        if compact is not None:
            bounds.append(compact)
    if "delete" in policies:
        delete = _delete_bound(spec, roll_ms)
        if delete is not None:
            bounds.append(delete)
        elif roll_ms is None and spec.retention_bytes is None:
            # No ingress: nothing rolls, only the (preallocated, mapped) active segment.
            bounds.append((1, "idle", "no ingress: only the active segment"))
    if not bounds:
        if "compact" in policies:
            raise InputError(
                f"topic {spec.name}: cleanup.policy=compact needs compacted_bytes"
                " (live key set per partition) or max_segments"
            )
        raise InputError(
            f"topic {spec.name}: unlimited retention needs retention_bytes or max_segments"
        )
    n, basis, detail = min(bounds)
    return SegmentEstimate(n, roll_ms, basis, detail)


def pending_delete_segments(
    rolls_per_s: float,
    file_delete_delay_ms: int = defaults.FILE_DELETE_DELAY_MS,
    retention_check_ms: int = defaults.RETENTION_CHECK_MS,
) -> int:
    """Segments renamed .deleted and still mapped at a peak.

    Steady state deletes as many segments as roll. The retention sweep runs every
    log.retention.check.interval.ms and renames what expired since the last sweep at once;
    those stay mapped file.delete.delay.ms, so the peak is rate x (interval + delay).
    """
    return math.ceil(rolls_per_s * (retention_check_ms + file_delete_delay_ms) / 1000.0)
