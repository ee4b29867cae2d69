"""Recommendations never lower a limit, respect the floor, and say why."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kafka_vmtune.sizing.recommend import (
    STEP,
    assess,
    level_code,
    recommend_max_map_count,
    recommend_nofile,
)

limits = st.integers(min_value=1, max_value=2**31 - 1)


@given(limits, st.integers(min_value=0, max_value=2**30), st.integers(min_value=0, max_value=2**24))
def test_recommended_is_at_least_current_floor_and_required(
    live: int, required: int, floor: int
) -> None:
    rec = recommend_max_map_count(live, required, floor)
    assert rec.recommended >= live
    assert rec.recommended >= floor
    assert rec.recommended >= required
    if rec.action == "raise":
        assert rec.recommended > live
        assert rec.recommended % STEP == 0
    else:
        assert rec.recommended == live
        assert "already enough" in rec.reason


def test_default_limit_is_raised_to_the_floor_and_the_reason_says_it_was_enough() -> None:
    rec = recommend_max_map_count(65530, 5000)
    assert (rec.action, rec.recommended) == ("raise", 262144)
    assert "covers the required 5000" in rec.reason and "floor" in rec.reason


def test_a_large_need_is_rounded_up_to_a_multiple_of_65536() -> None:
    rec = recommend_max_map_count(262144, 300_001)
    assert rec.recommended == 327_680
    assert "below the required 300001" in rec.reason


def test_a_higher_current_value_is_kept() -> None:
    rec = recommend_max_map_count(1_048_576, 300_000)
    assert (rec.action, rec.recommended) == ("keep", 1_048_576)


@given(st.integers(0, 10**7), st.integers(0, 10**7), st.one_of(st.none(), st.integers(0, 10**7)))
def test_open_file_limit_covers_log_files_and_connections(
    segments: int, connections: int, live: int | None
) -> None:
    rec = recommend_nofile(segments, live=live, connections=connections)
    assert rec.required >= segments + connections
    assert rec.recommended >= rec.required
    assert rec.recommended >= (live or 0)


@given(limits, st.integers(0, 2**31), st.one_of(st.none(), st.integers(0, 2**31)))
def test_status_level_follows_the_larger_ratio(limit: int, required: int, used: int | None) -> None:
    s = assess(used=used, live=limit, required=required, warn_ratio=0.7, critical_ratio=0.9)
    worst = max(required / limit, (used or 0) / limit)
    expected = "critical" if worst >= 0.9 else "warn" if worst >= 0.7 else "ok"
    assert s.level == expected
    assert s.reasons
    assert level_code(s.level) == ["ok", "warn", "critical"].index(expected)


def test_extra_findings_raise_the_level_and_are_listed() -> None:
    s = assess(used=10, live=65530, required=100, extra=(("warn", "not persisted"),))
    assert s.level == "warn"
    assert s.reasons == ["warn: not persisted"]


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        assess(used=1, live=10, required=1, warn_ratio=0.9, critical_ratio=0.5)
