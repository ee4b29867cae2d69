"""The map-area model: every term pushes the requirement up, headroom scales it."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from kafka_vmtune.sizing.model import (
    Model,
    ThreadConfig,
    arenas_term,
    build_model,
    deletes_observed,
    estimate_threads,
    fixed_term,
    leak_term,
    remote_term,
    segments_observed,
    threads_observed,
)

counts = st.integers(min_value=0, max_value=2_000_000)
headrooms = st.floats(min_value=1.0, max_value=10.0, allow_nan=False)


def host_model(*values: float) -> Model:
    """threads, arenas, index files, leaked, deleted, remote areas, headroom."""
    threads, arenas, index_files, leaked, deleted, remote = (int(v) for v in values[:6])
    headroom = values[6]
    return build_model(
        fixed=fixed_term(),
        threads=threads_observed(threads, 1),
        arenas=arenas_term(arenas, 2),
        segments=segments_observed(index_files, "test"),
        leak=leak_term(
            affected=True, version="4.0.0", index_areas=index_files, observed_leaked=leaked
        ),
        deletes=deletes_observed(deleted, "test"),
        remote=remote_term(tiered=False, observed_areas=remote, cache_bytes=None),
        headroom=headroom,
    )


@given(
    st.lists(counts, min_size=6, max_size=6),
    st.integers(min_value=0, max_value=5),
    st.integers(min_value=1, max_value=100_000),
    headrooms,
)
def test_more_of_any_term_never_needs_fewer_areas(
    values: list[int], which: int, extra: int, headroom: float
) -> None:
    before = host_model(*values, headroom)
    bigger = list(values)
    bigger[which] += extra
    after = host_model(*bigger, headroom)
    assert after.base >= before.base
    assert after.required >= before.required
    # Terms other than the leak always add their areas one for one.
    if which != 3:
        assert after.base > before.base


@given(st.lists(counts, min_size=6, max_size=6), headrooms, headrooms)
def test_headroom_scales_the_base_and_is_rounded_up(
    values: list[int], h1: float, h2: float
) -> None:
    low, high = sorted((h1, h2))
    m_low = host_model(*values, low)
    m_high = host_model(*values, high)
    assert m_low.base == m_high.base == sum(t.areas for t in m_low.terms)
    assert m_low.required == math.ceil(m_low.base * low)
    assert m_low.base <= m_low.required <= m_high.required


def test_base_is_the_documented_sum_of_all_seven_terms() -> None:
    m = host_model(100, 4, 3000, 500, 10, 6, 1.5)
    assert [t.symbol for t in m.terms] == ["B", "T", "A", "S", "L", "D", "C"]
    # B + 2T + 2A + S files + L + D + C, leak = max(observed 500, 0.25 x 1500 rolls x 2)
    assert m.base == 200 + 2 * 100 + 2 * 4 + 3000 + 750 + 10 + 6
    assert m.required == math.ceil(m.base * 1.5)


@given(counts, counts)
def test_leak_on_affected_versions_covers_observed_and_expected(files: int, leaked: int) -> None:
    term = leak_term(affected=True, version="4.0.0", index_areas=files, observed_leaked=leaked)
    assert term.areas >= leaked
    assert term.areas >= 2 * math.ceil(0.25 * files / 2)
    assert "KAFKA-19390" in term.detail


@given(counts, counts)
def test_leak_on_fixed_versions_is_only_what_is_observed(files: int, leaked: int) -> None:
    term = leak_term(affected=False, version="4.1.1", index_areas=files, observed_leaked=leaked)
    assert term.areas == leaked
    assert term.source == "observed"


@given(counts, st.one_of(st.none(), counts))
def test_unknown_version_is_treated_as_leaking_and_says_so(files: int, leaked: int | None) -> None:
    unknown = leak_term(affected=None, version=None, index_areas=files, observed_leaked=leaked)
    affected = leak_term(affected=True, version="x", index_areas=files, observed_leaked=leaked)
    assert unknown.areas == affected.areas
    assert "unknown" in unknown.detail and "conservative" in unknown.detail


def test_leak_from_roll_rate_uses_two_stale_areas_per_roll() -> None:
    term = leak_term(
        affected=True, version="4.0.0", index_areas=10, observed_leaked=None, rolls_between_gc=40
    )
    assert term.areas == 80
    assert term.source == "projected"


def test_a_4_0_combined_node_at_defaults_idles_at_about_105_threads() -> None:
    assert estimate_threads(ThreadConfig(), 4) == 105


@given(
    st.sampled_from(
        [
            "num_io_threads",
            "num_network_threads",
            "listeners",
            "num_replica_fetchers",
            "brokers",
            "log_cleaner_threads",
            "background_threads",
        ]
    ),
    st.integers(min_value=1, max_value=64),
    st.integers(min_value=1, max_value=512),
)
def test_thread_estimate_grows_with_every_pool_and_with_cpus(
    field: str, more: int, cpus: int
) -> None:
    base = ThreadConfig(brokers=2)
    bigger = base._replace(**{field: getattr(base, field) + more})
    assert estimate_threads(bigger, cpus) > estimate_threads(base, cpus)
    assert estimate_threads(base, cpus * 2) >= estimate_threads(base, cpus)


def test_malloc_arena_max_replaces_the_glibc_default() -> None:
    assert arenas_term(None, 4).areas == 8 * 4 * 2
    assert arenas_term(None, 4).source == "default"
    assert arenas_term(2, 64).areas == 4
    assert arenas_term(2, 64).source == "configured"


def test_remote_cache_bound_comes_from_its_byte_limit_when_tiered() -> None:
    term = remote_term(tiered=True, observed_areas=10, cache_bytes=1 << 30)
    assert term.count == 1024 and term.areas == 2048 and term.source == "configured"
    seen = remote_term(tiered=True, observed_areas=5000, cache_bytes=1 << 30)
    assert seen.areas == 5000 and seen.source == "observed"
    assert remote_term(tiered=False, observed_areas=None, cache_bytes=None).areas == 0


def test_headroom_below_one_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="headroom"):
        host_model(1, 1, 1, 0, 0, 0, 0.9)
