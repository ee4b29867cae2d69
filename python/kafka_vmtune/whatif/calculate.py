"""The what-if calculation: each described broker's model and recommendations.

One model per broker from the replicas placement gives it (sizing.model's terms, as for a
real host, but projected from the description instead of observed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..facts.versions import resize_leak_affected
from ..sizing.model import (
    AREAS_PER_THREAD,
    Model,
    Term,
    arenas_term,
    build_model,
    deletes_projected,
    fixed_term,
    leak_term,
    remote_term,
    segments_projected,
    threads_estimated,
)
from ..sizing.projection import pending_delete_segments
from ..sizing.recommend import (
    MapRecommendation,
    NofileRecommendation,
    recommend_max_map_count,
    recommend_nofile,
    recommendation_json,
)
from .parse import WhatIfInput, parse_whatif
from .placement import assign_replicas

if TYPE_CHECKING:
    from ..contracts import WhatIfBroker


@dataclass(frozen=True)
class BrokerWhatIf:
    name: str
    replicas: int
    segments: int
    model: Model
    recommendation: MapRecommendation
    nofile: NofileRecommendation

    def as_dict(self) -> WhatIfBroker:
        return {
            "broker": self.name,
            "replicas": self.replicas,
            "segments": self.segments,
            "model": self.model.as_dict(),
            "recommendation": recommendation_json(self.recommendation, self.nofile),
        }


def whatif_brokers(whatif: WhatIfInput) -> list[BrokerWhatIf]:
    """Each broker's model and recommendations for the described brokers and topics."""
    resize_leak = resize_leak_affected(whatif.version)
    out: list[BrokerWhatIf] = []
    for broker, load in zip(whatif.brokers, assign_replicas(whatif)):
        segments = math.ceil(load.segments * whatif.growth)
        rolls = load.rolls_per_s * whatif.growth
        growth_txt = f" x growth {whatif.growth:g}" if whatif.growth != 1 else ""
        s_term = segments_projected(
            segments,
            f"{load.replicas} partition replicas on this broker, {segments} segments"
            f" projected from retention and segment size/time{growth_txt}",
        )
        if broker.threads is not None:
            threads = Term(
                "T",
                "threads",
                broker.threads,
                AREAS_PER_THREAD,
                "configured",
                "given in the what-if",
            )
        else:
            threads = threads_estimated(whatif.thread_config, broker.cpus, configured=True)
        rolls_between_gc = (
            math.ceil(rolls * whatif.gc_interval_s) if whatif.gc_interval_s is not None else None
        )
        leak = leak_term(
            affected=resize_leak,
            version=whatif.version,
            index_areas=s_term.areas,
            observed_leaked=None,
            leak_fraction=whatif.leak_fraction,
            rolls_between_gc=rolls_between_gc,
        )
        pending = pending_delete_segments(
            rolls, whatif.file_delete_delay_ms, whatif.retention_check_interval_ms
        )
        deletes = deletes_projected(
            pending,
            f"{rolls * 3600:.1f} segment deletes/h x (retention check"
            f" {whatif.retention_check_interval_ms} ms + file.delete.delay.ms"
            f" {whatif.file_delete_delay_ms})",
        )
        remote = remote_term(
            tiered=load.tiered,
            observed_areas=None,
            cache_bytes=whatif.remote_cache_bytes if whatif.remote_cache_bytes else 1 << 30,
            entry_bytes=whatif.remote_entry_bytes,
        )
        model = build_model(
            fixed=fixed_term(),
            threads=threads,
            arenas=arenas_term(broker.malloc_arena_max, broker.cpus),
            segments=s_term,
            leak=leak,
            deletes=deletes,
            remote=remote,
            headroom=whatif.headroom,
        )
        rec = recommend_max_map_count(whatif.live_max_map_count, model.required, whatif.floor)
        nofile = recommend_nofile(segments, live=None, connections=whatif.connections)
        out.append(BrokerWhatIf(broker.name, load.replicas, segments, model, rec, nofile))
    return out


def whatif_from_dict(raw: object) -> list[BrokerWhatIf]:
    """The what-if for a description as loaded from YAML or JSON (InputError when bad)."""
    return whatif_brokers(parse_whatif(raw))
