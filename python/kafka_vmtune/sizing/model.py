"""The map-area model: required = headroom x (B + 2T + 2A + 2S + L + D + C).

Pure functions only. Each term says how many things it counts, how many map areas each
costs, where the count came from and why, so an operator can check every number.
Facts behind the constants (Kafka source, measurements): docs/model.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

from .. import defaults

if TYPE_CHECKING:  # the contracts are types only: no TypedDict is built at import
    from ..contracts import Model as ModelJSON
    from ..contracts import Term as TermJSON

Source = Literal["observed", "projected", "configured", "default"]

# JDK 17 on x86_64: shared libraries, CDS, heap, metaspace, code cache (measured ~200).
FIXED_JVM_AREAS = 200
# Each Java thread: stack + guard pages.
AREAS_PER_THREAD = 2
# Each glibc malloc arena: heap + its guard part.
AREAS_PER_ARENA = 2
ARENAS_PER_CPU = 8
# KAFKA-19390: a rolled segment leaves its two old index mappings until a GC frees them.
STALE_AREAS_PER_ROLL = 2
# Share of segments assumed rolled since the last collection on leaking versions. With the
# default headroom 1.5 this covers 1.5 x 1.25 = 1.875 x the index areas; a real 4.0.0
# broker measured 1.70 x (902 stale for 1282 files). Raise toward 1.0 for rarely-collected
# heaps (the incident reached 0.97).
DEFAULT_LEAK_FRACTION = 0.25
# Remote index cache: an entry maps its offset and time index (not the .txnindex).
AREAS_PER_REMOTE_ENTRY = 2
# Typical remote cache entry (offset + time + txn index of one segment), used to turn the
# cache's byte bound into an entry count. Smaller entries mean more of them: 1 MiB is a
# ~250 MiB segment at the default index interval.
DEFAULT_REMOTE_ENTRY_BYTES = 1 << 20
DEFAULT_HEADROOM = 1.5

# A Kafka 4.0 combined broker+controller idles at ~105 threads (measured). Split into what
# config scales and a remainder; the remainder is what is left at the defaults below on a
# 4-CPU host (25 Kafka pool threads + 8 GC/compiler threads).
IDLE_THREADS_4_0 = 105
_REFERENCE_CPUS = 4


@dataclass(frozen=True)
class Term:
    """One summand of the model: count x per_unit map areas."""

    symbol: str
    name: str
    count: int
    per_unit: int
    source: Source
    detail: str

    @property
    def areas(self) -> int:
        return self.count * self.per_unit

    def as_dict(self) -> TermJSON:
        return {
            "symbol": self.symbol,
            "name": self.name,
            "count": self.count,
            "per_unit": self.per_unit,
            "areas": self.areas,
            "source": self.source,
            "detail": self.detail,
        }


class Model(NamedTuple):
    terms: tuple[Term, ...]
    headroom: float

    @property
    def base(self) -> int:
        return sum(t.areas for t in self.terms)

    @property
    def required(self) -> int:
        return math.ceil(self.base * self.headroom)

    def term(self, symbol: str) -> Term:
        return next(t for t in self.terms if t.symbol == symbol)

    def as_dict(self) -> ModelJSON:
        return {
            "terms": [t.as_dict() for t in self.terms],
            "base": self.base,
            "headroom": self.headroom,
            "required": self.required,
        }


def build_model(
    *,
    fixed: Term,
    threads: Term,
    arenas: Term,
    segments: Term,
    leak: Term,
    deletes: Term,
    remote: Term,
    headroom: float = DEFAULT_HEADROOM,
) -> Model:
    if not headroom >= 1.0 or math.isinf(headroom):
        raise ValueError(f"headroom must be a finite number >= 1, got {headroom}")
    return Model((fixed, threads, arenas, segments, leak, deletes, remote), headroom)


def fixed_term(areas: int = FIXED_JVM_AREAS) -> Term:
    return Term(
        "B",
        "fixed JVM areas",
        1,
        areas,
        "default",
        "JDK 17: libraries, CDS, heap, metaspace, code cache (~200 measured, -Xms = -Xmx)",
    )


# --- T: threads -----------------------------------------------------------------------------


class ThreadConfig(NamedTuple):
    """Broker settings that set thread pools (Kafka defaults)."""

    num_io_threads: int = defaults.NUM_IO_THREADS
    num_network_threads: int = defaults.NUM_NETWORK_THREADS
    listeners: int = 2
    num_replica_fetchers: int = defaults.NUM_REPLICA_FETCHERS
    brokers: int = 1
    log_cleaner_threads: int = defaults.LOG_CLEANER_THREADS
    background_threads: int = defaults.BACKGROUND_THREADS


def jvm_service_threads(cpus: int) -> int:
    """G1 parallel + concurrent GC threads and JIT compiler threads, as HotSpot sizes them."""
    cpus = max(1, cpus)
    parallel = cpus if cpus <= 8 else 8 + (cpus - 8) * 5 // 8
    concurrent = max(1, (parallel + 2) // 4)
    log_cpu = cpus.bit_length() - 1
    loglog = max(log_cpu, 1).bit_length() - 1
    compiler = max(log_cpu * loglog * 3 // 2, 2)
    return parallel + concurrent + compiler


def kafka_pool_threads(cfg: ThreadConfig) -> int:
    return (
        cfg.num_io_threads
        + cfg.num_network_threads * cfg.listeners
        + cfg.num_replica_fetchers * max(0, cfg.brokers - 1)
        + cfg.log_cleaner_threads
        + cfg.background_threads
    )


_IDLE_REMAINDER = (
    IDLE_THREADS_4_0 - kafka_pool_threads(ThreadConfig()) - jvm_service_threads(_REFERENCE_CPUS)
)


def estimate_threads(cfg: ThreadConfig, cpus: int) -> int:
    """Threads of a Kafka 4.0 combined node: the measured idle remainder + pools + JVM."""
    return _IDLE_REMAINDER + kafka_pool_threads(cfg) + jvm_service_threads(cpus)


def threads_observed(threads: int, pid: int) -> Term:
    return Term(
        "T",
        "threads",
        threads,
        AREAS_PER_THREAD,
        "observed",
        f"Threads: in /proc/{pid}/status (stack + guard page each)",
    )


def threads_estimated(cfg: ThreadConfig, cpus: int, *, configured: bool) -> Term:
    n = estimate_threads(cfg, cpus)
    detail = (
        f"estimated: {_IDLE_REMAINDER} base + io {cfg.num_io_threads}"
        f" + network {cfg.num_network_threads}x{cfg.listeners} listeners"
        f" + fetchers {cfg.num_replica_fetchers}x{max(0, cfg.brokers - 1)} source brokers"
        f" + cleaner {cfg.log_cleaner_threads} + background {cfg.background_threads}"
        f" + GC/JIT {jvm_service_threads(cpus)} for {cpus} CPUs"
    )
    return Term(
        "T", "threads", n, AREAS_PER_THREAD, "configured" if configured else "default", detail
    )


# --- A: malloc arenas -----------------------------------------------------------------------


def arenas_term(malloc_arena_max: int | None, cpus: int) -> Term:
    if malloc_arena_max is not None:
        return Term(
            "A",
            "malloc arenas",
            malloc_arena_max,
            AREAS_PER_ARENA,
            "configured",
            f"MALLOC_ARENA_MAX={malloc_arena_max} in the process environment",
        )
    n = ARENAS_PER_CPU * max(1, cpus)
    return Term(
        "A",
        "malloc arenas",
        n,
        AREAS_PER_ARENA,
        "default",
        f"glibc default: up to 8 x {max(1, cpus)} CPUs (MALLOC_ARENA_MAX not set)",
    )


# --- S: segment indexes ---------------------------------------------------------------------


def segments_observed(index_files: int, seen: str) -> Term:
    """Index files seen on disk / in maps: one area each (2 per segment)."""
    return Term(
        "S",
        "segment index files",
        index_files,
        1,
        "observed",
        f"largest of: {seen} (on disk = the steady-state bound)",
    )


def segments_projected(segments: int, detail: str) -> Term:
    return Term("S", "segments (2 index areas each)", segments, 2, "projected", detail)


def segments_none(reason: str) -> Term:
    return Term("S", "segment index files", 0, 1, "default", reason)


# --- L: resize leak (KAFKA-19390) -----------------------------------------------------------


def leak_term(
    *,
    affected: bool | None,
    version: str | None,
    index_areas: int,
    observed_leaked: int | None,
    leak_fraction: float = DEFAULT_LEAK_FRACTION,
    rolls_between_gc: int | None = None,
) -> Term:
    """Stale index areas awaiting a GC.

    index_areas: the S term's areas (2 per segment). Expected rolls between collections is
    `rolls_between_gc` when the caller can estimate it (roll rate x GC interval), else
    `leak_fraction` of the segments. Each such roll leaves 2 stale areas.
    """
    seen = observed_leaked or 0
    if affected is False:
        src: Source = "observed" if observed_leaked is not None else "default"
        return Term(
            "L",
            "resize-leak areas",
            seen,
            1,
            src,
            f"Kafka {version} has the KAFKA-19390 fix; {seen} duplicate index areas observed",
        )
    if rolls_between_gc is not None:
        rolls = rolls_between_gc
        how = f"{rolls} segment rolls between collections"
    else:
        rolls = math.ceil(leak_fraction * index_areas / 2)
        how = f"{leak_fraction:g} of {math.ceil(index_areas / 2)} segments rolled since the last GC"
    expected = rolls * STALE_AREAS_PER_ROLL
    why = (
        f"Kafka {version} has the KAFKA-19390 resize leak"
        if affected
        else "Kafka version unknown: assumed to have the KAFKA-19390 leak (conservative)"
    )
    if observed_leaked is not None and seen >= expected:
        return Term(
            "L",
            "resize-leak areas",
            seen,
            1,
            "observed",
            f"{why}; {seen} duplicate index areas observed (>= {expected} expected: {how})",
        )
    seen_txt = f", {seen} observed now" if observed_leaked is not None else ""
    return Term(
        "L",
        "resize-leak areas",
        expected,
        1,
        "projected" if expected else "default",
        f"{why}; 2 stale areas x {how}{seen_txt}",
    )


# --- D: pending deletes ---------------------------------------------------------------------


def deletes_observed(areas: int, detail: str) -> Term:
    return Term("D", "pending-delete index areas", areas, 1, "observed", detail)


def deletes_projected(segments: int, detail: str) -> Term:
    return Term("D", "pending-delete segments (2 areas each)", segments, 2, "projected", detail)


def deletes_none(reason: str) -> Term:
    return Term("D", "pending-delete index areas", 0, 1, "default", reason)


# --- C: remote index cache ------------------------------------------------------------------


def remote_term(
    *,
    tiered: bool,
    observed_areas: int | None,
    cache_bytes: int | None,
    entry_bytes: int = DEFAULT_REMOTE_ENTRY_BYTES,
) -> Term:
    seen = observed_areas or 0
    if tiered and cache_bytes is not None and cache_bytes > 0:
        entries = math.ceil(cache_bytes / entry_bytes)
        if entries * AREAS_PER_REMOTE_ENTRY > seen:
            return Term(
                "C",
                "remote index cache entries",
                entries,
                AREAS_PER_REMOTE_ENTRY,
                "configured",
                f"remote.log.index.file.cache.total.size.bytes={cache_bytes}"
                f" / ~{entry_bytes} bytes per entry (offset + time index mapped)",
            )
    if observed_areas is not None:
        return Term(
            "C",
            "remote index cache areas",
            seen,
            1,
            "observed",
            f"{seen} areas under remote-log-index-cache/",
        )
    return Term(
        "C", "remote index cache areas", 0, 1, "default", "tiered storage not enabled: none"
    )
