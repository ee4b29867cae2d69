"""Per-broker and per-roll reports: what happened, how long each phase took, what waited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Phases timed per broker, in the order they happen.
TIMED_PHASES = ("gate", "stop", "start", "catch_up", "election")


@dataclass
class BrokerReport:
    node_id: int
    phase: str = "pending"  # last phase reached: gate, stop, await_exit, start, ..., done
    outcome: str = "pending"  # pending | restarted | skipped | failed | gate_passed | ...
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    partitions_led_before: list[str] = field(default_factory=list)
    partitions_led_after: list[str] = field(default_factory=list)
    elected: list[str] = field(default_factory=list)
    waits: list[str] = field(default_factory=list)  # "<phase>: waited Ns: <reason>"
    was_controller: bool = False
    error: str | None = None

    @property
    def waited_s(self) -> float:
        return round(sum(self.timings.values()), 3)

    def note_wait(self, phase: str, seconds: float, reasons: list[str]) -> None:
        if reasons:
            self.waits.append(f"{phase}: waited {seconds:.1f}s: {'; '.join(reasons)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "phase": self.phase,
            "outcome": self.outcome,
            "waited_s": self.waited_s,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "partitions_led_before": list(self.partitions_led_before),
            "partitions_led_after": list(self.partitions_led_after),
            "elected": list(self.elected),
            "waits": list(self.waits),
            "was_controller": self.was_controller,
            "error": self.error,
        }

    def render(self) -> str:
        times = " ".join(f"{p}={self.timings[p]:.1f}s" for p in TIMED_PHASES if p in self.timings)
        head = (
            f"broker {self.node_id}: {self.outcome}"
            f"{' (active controller)' if self.was_controller else ''}"
            f"{' ' + times if times else ''}; led {len(self.partitions_led_before)} before, "
            f"{len(self.partitions_led_after)} after"
        )
        lines = [head] + [f"  waited {w}" for w in self.waits]
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)


@dataclass
class RollReport:
    order: list[int] = field(default_factory=list)
    brokers: list[BrokerReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. the controller moved
    outcome: str = "pending"  # ok | failed
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": list(self.order),
            "outcome": self.outcome,
            "message": self.message,
            "notes": list(self.notes),
            "brokers": [b.to_dict() for b in self.brokers],
        }

    def render(self) -> str:
        lines = [f"rolling restart: {self.outcome}: {self.message}"]
        lines += [f"note: {n}" for n in self.notes]
        lines += [b.render() for b in self.brokers]
        return "\n".join(lines)
