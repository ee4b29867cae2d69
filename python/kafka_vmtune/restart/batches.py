"""Safe batches: which brokers may be down together, planned from the partition map.

A batch is safe when, with all its brokers down, every partition keeps at least its
min.insync.replicas (topic setting, else the broker default) in-sync replicas on brokers
that stay up. KRaft controller voters go one at a time (at most one per batch, and only
while the others keep a caught-up majority) and the active controller last and alone.
With broker.rack known, brokers of one rack are tried together first (when that is safe);
the partition map is checked all the same, since topics created without rack-aware
placement can keep two replicas in one rack. Pure: the roll calls plan() with one snapshot.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ..errors import InputError
from .admin import ClusterSnapshot, TopicPartition, describe_partitions

AUTO = "auto"


@dataclass(frozen=True)
class Batch:
    nodes: tuple[int, ...]
    why: str  # why these brokers are together (or alone)


def batch_limit(value: object) -> int | None:
    """kafka_vmtune_restart_batch: 1 (default, one broker at a time), 'auto' (None: the
    largest safe batch) or a number (a ceiling)."""
    if value is None or value == "":
        return 1
    if isinstance(value, str) and value.strip().lower() == AUTO:
        return None
    if not isinstance(value, bool):
        try:
            number = int(str(value).strip())
        except ValueError:
            number = 0
        if number >= 1:
            return number
    raise InputError(
        f"kafka_vmtune_restart_batch: must be a whole number >= 1 or 'auto', got {value!r}"
    )


def below_min_isr_without(snapshot: ClusterSnapshot, down: Collection[int]) -> list[TopicPartition]:
    """Partitions that would have fewer than min.insync.replicas in-sync replicas on
    brokers that stay up if `down` were all down."""
    out = set(down)
    return [
        p.tp
        for p in snapshot.partitions
        if len([r for r in p.isr if r not in out]) < snapshot.min_isr_for(p.topic)
    ]


def quorum_safe_without(snapshot: ClusterSnapshot, down: Collection[int]) -> bool:
    quorum = snapshot.quorum
    if quorum is None or not quorum.voters:
        return True
    up = [v for v in quorum.voters if v.caught_up and v.node_id not in set(down)]
    return len(up) >= len(quorum.voters) // 2 + 1


def plan(
    snapshot: ClusterSnapshot,
    node_ids: Sequence[int],
    limit: int | None,
    *,
    racks: Mapping[int, str] | None = None,
    controller_last: bool = True,
    down: Collection[int] = (),
) -> list[Batch]:
    """The roll's batches, in order: brokers that are down (started, one each), then the
    others in safe batches (by rack first, at most one controller voter each), the active
    controller last and alone. limit None: as large as safe."""
    order = list(dict.fromkeys(node_ids))
    voters = {v.node_id for v in snapshot.quorum.voters} if snapshot.quorum else set()
    active = snapshot.active_controller if controller_last else None
    batches = [Batch((n,), "down: started first, alone") for n in order if n in down]
    rest = [n for n in order if n not in down]
    batches += _group(snapshot, [n for n in rest if n != active], limit, racks or {}, voters)
    if active in rest:
        batches.append(Batch((active,), "active controller: last and alone"))
    return batches


def _safe(snapshot: ClusterSnapshot, nodes: Collection[int]) -> bool:
    return not below_min_isr_without(snapshot, nodes) and quorum_safe_without(snapshot, nodes)


def _group(
    snapshot: ClusterSnapshot,
    nodes: Sequence[int],
    limit: int | None,
    racks: Mapping[int, str],
    voters: Collection[int],
) -> list[Batch]:
    """Greedy, in order: each broker joins the first batch of its own rack it is safe
    with, else the first batch it is safe with, else starts a batch."""
    cap = len(nodes) if limit is None else limit
    groups: list[list[int]] = []
    if racks:  # a rack's brokers next to each other, racks in order of first appearance
        first = {r: i for i, r in reversed(list(enumerate(racks.get(n) for n in nodes)))}
        nodes = sorted(nodes, key=lambda n: first[racks.get(n)])

    def place(n: int, same_rack: bool) -> bool:
        for g in groups:
            if same_rack and (racks.get(n) is None or any(racks.get(m) != racks[n] for m in g)):
                continue
            one_voter = n not in voters or not any(m in voters for m in g)
            if len(g) < cap and one_voter and _safe(snapshot, [*g, n]):
                g.append(n)
                return True
        return False

    for n in nodes:
        if not ((racks and place(n, True)) or place(n, False)):
            groups.append([n])
    return [Batch(tuple(g), _why(g, racks, cap, voters)) for g in groups]


def _why(group: Sequence[int], racks: Mapping[int, str], cap: int, voters: Collection[int]) -> str:
    voter = [n for n in group if n in voters]
    with_voter = f", controller voter {voter[0]} the only voter" if voter else ""
    if len(group) == 1 and cap == 1:
        return "one broker at a time (kafka_vmtune_restart_batch 1)"
    if len(group) == 1:
        return (
            "alone: with any broker of a later batch some partition would drop below "
            f"min.insync.replicas or a second voter would be out{with_voter}"
        )
    rack = {racks.get(n) for n in group}
    where = f"rack {rack.pop()}, " if len(rack) == 1 and None not in rack else ""
    return (
        f"{where}together every partition keeps min.insync.replicas in sync on the brokers "
        f"that stay up{with_voter}"
    )


def describe(batches: Sequence[Batch]) -> list[str]:
    """'batch 1: brokers 4, 5 (rack b, ...)' one line each, for the dry run and the report."""
    return [
        f"batch {i}: broker{'s' if len(b.nodes) > 1 else ''} "
        f"{', '.join(str(n) for n in b.nodes)} ({b.why})"
        for i, b in enumerate(batches, 1)
    ]


def unsafe_reason(snapshot: ClusterSnapshot, nodes: Collection[int]) -> list[str]:
    """Why stopping `nodes` together now is unsafe (empty: safe); the batch gate's words."""
    below = below_min_isr_without(snapshot, nodes)
    reasons = []
    if below:
        names = ", ".join(str(n) for n in sorted(nodes))
        reasons.append(
            f"{len(below)} partition(s) would drop below min.insync.replicas without "
            f"brokers {names}: {describe_partitions(below)}"
        )
    if not quorum_safe_without(snapshot, nodes):
        reasons.append(f"controller quorum would lose its majority without {sorted(nodes)}")
    return reasons
