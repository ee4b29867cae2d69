"""Segment projection from retention, segment size/time and ingress."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kafka_vmtune.errors import InputError
from kafka_vmtune.sizing.projection import (
    INDEX_FILES_PER_SEGMENT,
    TopicSpec,
    pending_delete_segments,
    segments_per_replica,
)

DAY_MS = 86_400_000
GIB = 1 << 30


def test_the_notes_worked_example_500_partitions_100kbs_1gib_7_days() -> None:
    # kafka-map-areas.md: a segment rolls about every 3 hours, ~57 segments per partition,
    # ~57000 index areas before anything else.
    spec = TopicSpec(
        name="events",
        partitions=500,
        retention_ms=7 * DAY_MS,
        segment_bytes=GIB,
        ingress_bytes_per_s=100_000,
    )
    est = segments_per_replica(spec)
    assert est.basis == "time"
    assert est.roll_ms is not None
    assert est.roll_ms / 3_600_000 == pytest.approx(3.0, rel=0.01)
    assert est.segments == pytest.approx(57, abs=1)
    areas = est.segments * INDEX_FILES_PER_SEGMENT * spec.partitions
    assert areas == pytest.approx(57_000, rel=0.02)


positive_ms = st.integers(min_value=1_000, max_value=365 * DAY_MS)
segment_sizes = st.integers(min_value=1 << 20, max_value=GIB)
rates = st.floats(min_value=1.0, max_value=100e6, allow_nan=False)


@given(positive_ms, segment_sizes, rates)
def test_time_and_size_retention_agree_when_they_describe_the_same_data(
    retention_ms: int, segment_bytes: int, rate: float
) -> None:
    # Segments fill before segment.ms; retention.bytes holds exactly retention.ms of data.
    retention_bytes = int(rate * retention_ms / 1000)
    assume(retention_bytes >= segment_bytes)
    by_time = segments_per_replica(
        TopicSpec(
            "t",
            1,
            retention_ms=retention_ms,
            segment_ms=10**15,
            segment_bytes=segment_bytes,
            ingress_bytes_per_s=rate,
        )
    )
    by_size = segments_per_replica(
        TopicSpec(
            "t",
            1,
            retention_ms=None,
            retention_bytes=retention_bytes,
            segment_bytes=segment_bytes,
            ingress_bytes_per_s=rate,
        )
    )
    assert by_time.basis == "time" and by_size.basis == "size"
    assert abs(by_time.segments - by_size.segments) <= 1


@given(positive_ms, st.integers(min_value=1, max_value=10**13), segment_sizes, rates)
def test_with_both_retentions_the_smaller_wins(
    retention_ms: int, retention_bytes: int, segment_bytes: int, rate: float
) -> None:
    both = segments_per_replica(
        TopicSpec(
            "t",
            1,
            retention_ms=retention_ms,
            retention_bytes=retention_bytes,
            segment_bytes=segment_bytes,
            ingress_bytes_per_s=rate,
        )
    )
    only_time = segments_per_replica(
        TopicSpec(
            "t", 1, retention_ms=retention_ms, segment_bytes=segment_bytes, ingress_bytes_per_s=rate
        )
    )
    only_size = segments_per_replica(
        TopicSpec(
            "t",
            1,
            retention_ms=None,
            retention_bytes=retention_bytes,
            segment_bytes=segment_bytes,
            ingress_bytes_per_s=rate,
        )
    )
    assert both.segments == min(only_time.segments, only_size.segments)


@given(positive_ms, segment_sizes, rates, st.integers(min_value=2, max_value=100))
def test_longer_retention_never_means_fewer_segments(
    retention_ms: int, segment_bytes: int, rate: float, factor: int
) -> None:
    short = TopicSpec(
        "t", 1, retention_ms=retention_ms, segment_bytes=segment_bytes, ingress_bytes_per_s=rate
    )
    long = TopicSpec(
        "t",
        1,
        retention_ms=retention_ms * factor,
        segment_bytes=segment_bytes,
        ingress_bytes_per_s=rate,
    )
    assert segments_per_replica(long).segments >= segments_per_replica(short).segments


def test_segment_ms_rolls_slow_topics() -> None:
    # 1 KB/s never fills 1 GiB in a day; segment.ms of one hour rolls it 24 times a day.
    est = segments_per_replica(
        TopicSpec("slow", 1, retention_ms=DAY_MS, segment_ms=3_600_000, ingress_bytes_per_s=1000)
    )
    assert est.roll_ms == 3_600_000
    assert est.segments == 24 + 1


def test_unlimited_retention_without_size_or_cap_is_a_clear_error() -> None:
    spec = TopicSpec("forever", 1, retention_ms=None, ingress_bytes_per_s=1000)
    with pytest.raises(InputError, match="unlimited retention needs retention_bytes"):
        segments_per_replica(spec)
    capped = TopicSpec("forever", 1, retention_ms=None, ingress_bytes_per_s=1000, max_segments=40)
    assert segments_per_replica(capped).segments == 40


def test_compacted_topic_is_bounded_by_key_set_and_dirty_ratio() -> None:
    spec = TopicSpec(
        "state",
        1,
        retention_ms=None,
        cleanup_policy="compact",
        compacted_bytes=10 * (100 << 20),
        segment_bytes=100 << 20,
        ingress_bytes_per_s=1e6,
        min_cleanable_dirty_ratio=0.5,
    )
    est = segments_per_replica(spec)
    # 10 clean segments, up to as much dirty again at ratio 0.5, plus the active one.
    assert est.basis == "compact"
    assert est.segments == 10 + 10 + 1
    lazier = segments_per_replica(TopicSpec(**{**spec.__dict__, "min_cleanable_dirty_ratio": 0.8}))
    assert lazier.segments > est.segments
    with pytest.raises(InputError, match="compacted_bytes"):
        segments_per_replica(TopicSpec("state", 1, retention_ms=None, cleanup_policy="compact"))


def test_tiered_topics_keep_only_local_retention_on_disk() -> None:
    common = {"retention_ms": 30 * DAY_MS, "segment_bytes": GIB, "ingress_bytes_per_s": 1e6}
    local = segments_per_replica(
        TopicSpec("t", 1, remote_storage=True, local_retention_ms=DAY_MS, **common)
    )
    full = segments_per_replica(TopicSpec("t", 1, **common))
    assert local.segments == math.ceil(DAY_MS / (GIB / 1e6 * 1000)) + 1
    assert local.segments < full.segments


def test_no_ingress_keeps_only_the_active_segment() -> None:
    assert segments_per_replica(TopicSpec("idle", 1)).segments == 1


@given(st.floats(min_value=0, max_value=1000), st.floats(min_value=0, max_value=1000))
def test_pending_deletes_grow_with_the_deletion_rate(r1: float, r2: float) -> None:
    low, high = sorted((r1, r2))
    assert 0 <= pending_delete_segments(low) <= pending_delete_segments(high)
    assert pending_delete_segments(high, 120_000) >= pending_delete_segments(high, 60_000)
