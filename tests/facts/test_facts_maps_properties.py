"""Properties of classify_maps over generated /proc/PID/maps texts."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from kafka_vmtune.facts.procfs import INDEX_PATH, classify_maps

DIRS = ["/data/kafka/orders-0/", "/var/lib/kafka/logs/__consumer_offsets-7/", "/d/my logs/t-1/"]
INDEX_SUFFIXES = [".index", ".timeindex", ".index.cleaned", ".timeindex.swap"]
DELETED_SUFFIXES = [".index.deleted", ".timeindex.deleted"]
OTHER_PATHS = [
    "",
    "[heap]",
    "[stack]",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
    "/data/kafka/orders-0/00000000000000000000.log",
    "/data/kafka/orders-0/00000000000000000000.txnindex",
    "/data/kafka/orders-0/leader-epoch-checkpoint",
    "/tmp/index",
]

live_index = st.builds(
    lambda d, base, suf: f"{d}{base:020d}{suf}",
    st.sampled_from(DIRS),
    st.integers(0, 30),
    st.sampled_from(INDEX_SUFFIXES),
)
deleted_index = st.one_of(
    st.builds(
        lambda d, base, suf: f"{d}{base:020d}{suf}",
        st.sampled_from(DIRS),
        st.integers(0, 30),
        st.sampled_from(DELETED_SUFFIXES),
    ),
    live_index.map(lambda p: p + " (deleted)"),
)
remote = st.builds(
    lambda base, suf: f"/data/kafka/remote-log-index-cache/{base}_uuid{suf}",
    st.integers(0, 30),
    st.sampled_from([".index", ".timeindex", ".index.deleted"]),
)
area = st.one_of(
    live_index.map(lambda p: ("live", p)),
    deleted_index.map(lambda p: ("deleted", p)),
    remote.map(lambda p: ("remote", p)),
    st.sampled_from(OTHER_PATHS).map(lambda p: ("other", p)),
)


def maps_line(n: int, path: str) -> str:
    start = 0x7F0000000000 + n * 0x1000
    return f"{start:x}-{start + 0x1000:x} rw-s 00000000 fd:01 {n}     {path}\n"


@given(st.lists(area, max_size=200))
def test_counts_add_up_and_match_what_was_mapped(areas: list[tuple[str, str]]) -> None:
    usage = classify_maps(maps_line(i, p) for i, (_, p) in enumerate(areas))
    kinds = [k for k, _ in areas]
    live_paths = [p for k, p in areas if k == "live"]
    assert usage.total == len(areas)
    assert usage.total == usage.index_areas + usage.remote_cache + usage.other
    assert usage.index_areas == usage.index_files_mapped + usage.leaked + usage.deleted
    assert usage.deleted == kinds.count("deleted")
    assert usage.remote_cache == kinds.count("remote")
    assert usage.index_files_mapped == len(set(live_paths))
    assert usage.leaked == len(live_paths) - len(set(live_paths))


@given(st.lists(area, max_size=100), st.randoms())
def test_order_of_lines_does_not_change_the_counts(
    areas: list[tuple[str, str]], rnd: random.Random
) -> None:
    lines = [maps_line(i, p) for i, (_, p) in enumerate(areas)]
    shuffled = list(lines)
    rnd.shuffle(shuffled)
    assert classify_maps(lines) == classify_maps(shuffled)


@given(st.lists(live_index, min_size=1, max_size=50), st.integers(1, 5))
def test_mapping_every_file_k_times_leaks_k_minus_one_each(paths: list[str], k: int) -> None:
    distinct = sorted(set(paths))
    usage = classify_maps(maps_line(i, p) for i, p in enumerate(distinct * k))
    assert usage.index_files_mapped == len(distinct)
    assert usage.leaked == (k - 1) * len(distinct)


fragment = st.sampled_from(
    [
        "/data/",
        "t-0/",
        "0",
        ".index",
        ".timeindex",
        ".txnindex",
        ".deleted",
        ".cleaned",
        ".swap",
        " (deleted)",
        " ",
        "index",
        "remote-log-index-cache/",
        "[heap]",
        ".log",
        "\n",
    ]
)


@given(st.lists(fragment, max_size=8).map("".join))
def test_classification_follows_the_documented_index_pattern(tail: str) -> None:
    """classify_maps uses suffix tests for speed; they must agree with INDEX_PATH."""
    path = ("/" + tail).rstrip("\n")
    usage = classify_maps([f"7f00-7f01 rw-s 00000000 fd:01 42    {path}\n"])
    m = INDEX_PATH.search(path)
    if "remote-log-index-cache/" in path:
        expected = "remote"
    elif m is None:
        expected = "other"
    elif m.group(2) == ".deleted" or m.group(3):
        expected = "deleted"
    else:
        expected = "live"
    got = {
        "remote": usage.remote_cache,
        "other": usage.other,
        "deleted": usage.deleted,
        "live": usage.index_files_mapped,
    }
    assert got == {k: int(k == expected) for k in got}
