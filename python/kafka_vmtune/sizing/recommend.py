"""What to set vm.max_map_count and the open-file limit to, and how worried to be. Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

from ..plan.plan import never_lower

if TYPE_CHECKING:  # the contracts are types only: no TypedDict is built at import
    from ..contracts import NofileRecommendation as NofileJSON
    from ..contracts import Recommendation
    from ..contracts import Status as StatusJSON

DEFAULT_FLOOR = 262144  # what Kafka distributions and Elasticsearch ask for at least
STEP = 65536
DEFAULT_WARN = 0.7
DEFAULT_CRITICAL = 0.9

# Open files: every segment keeps its .log open (indexes are mapped, their fd closed);
# a .txnindex keeps its channel open too. Margin: jars, sockets to peers, checkpoints.
DEFAULT_CONNECTIONS = 1000
DEFAULT_NOFILE_MARGIN = 4096
NOFILE_STEP = 1024
DEFAULT_NOFILE_FLOOR = 65536

Level = Literal["ok", "warn", "critical"]
_LEVELS: tuple[Level, ...] = ("ok", "warn", "critical")


def round_up(value: int, step: int) -> int:
    return -(-value // step) * step


class MapRecommendation(NamedTuple):
    live: int
    required: int
    floor: int
    recommended: int
    action: Literal["raise", "keep"]
    reason: str


def recommend_max_map_count(
    live: int, required: int, floor: int = DEFAULT_FLOOR
) -> MapRecommendation:
    """At least the floor, more when the model needs it, a multiple of 65536, never lower."""
    rounded = round_up(max(floor, required), STEP)
    recommended = never_lower(rounded, live)
    if recommended == live:
        return MapRecommendation(
            live,
            required,
            floor,
            live,
            "keep",
            f"live {live} is already enough: it covers the required {required}"
            f" and the floor {floor}",
        )
    if live >= required:
        reason = (
            f"live {live} covers the required {required} today but is below the floor"
            f" {floor}; raise to {recommended} for growth and spikes"
        )
    else:
        reason = (
            f"live {live} is below the required {required}; raise to {recommended}"
            f" (required rounded up to a multiple of {STEP}, at least {floor})"
        )
    return MapRecommendation(live, required, floor, recommended, "raise", reason)


class NofileRecommendation(NamedTuple):
    live: int | None  # the broker's soft limit now
    required: int
    recommended: int
    detail: str


def recommend_nofile(
    segments: int,
    *,
    live: int | None,
    txn_index_files: int = 0,
    connections: int = DEFAULT_CONNECTIONS,
    margin: int = DEFAULT_NOFILE_MARGIN,
    floor: int = DEFAULT_NOFILE_FLOOR,
) -> NofileRecommendation:
    required = segments + txn_index_files + connections + margin
    recommended = never_lower(round_up(max(required, floor), NOFILE_STEP), live)
    detail = (
        f"{segments} open .log files + {txn_index_files} .txnindex + {connections}"
        f" connections + {margin} margin"
    )
    return NofileRecommendation(live, required, recommended, detail)


def recommendation_json(m: MapRecommendation, n: NofileRecommendation) -> Recommendation:
    """The recommendation as JSON, the one serialisation the host report and the what-if share."""
    nofile: NofileJSON = {
        "live": n.live,
        "required": n.required,
        "recommended": n.recommended,
        "detail": n.detail,
    }
    return {
        "live": m.live,
        "required": m.required,
        "floor": m.floor,
        "recommended": m.recommended,
        "action": m.action,
        "reason": m.reason,
        "nofile": nofile,
    }


class Status(NamedTuple):
    level: Level
    used: int | None
    live: int
    used_ratio: float | None
    required_ratio: float
    reasons: list[str]

    def as_dict(self) -> StatusJSON:
        return {
            "level": self.level,
            "used": self.used,
            "live": self.live,
            "used_ratio": self.used_ratio,
            "required_ratio": self.required_ratio,
            "reasons": list(self.reasons),
        }


def _grade(ratio: float, warn: float, critical: float) -> Level:
    if ratio >= critical:
        return "critical"
    if ratio >= warn:
        return "warn"
    return "ok"


def assess(
    *,
    used: int | None,
    live: int,
    required: int,
    warn_ratio: float = DEFAULT_WARN,
    critical_ratio: float = DEFAULT_CRITICAL,
    extra: tuple[tuple[Level, str], ...] = (),
) -> Status:
    """ok/warn/critical from live use and modelled need against the live value.

    `extra` adds findings graded elsewhere (e.g. a live value that will not survive reboot).
    """
    if not 0 < warn_ratio <= critical_ratio:
        raise ValueError(f"need 0 < warn ({warn_ratio}) <= critical ({critical_ratio})")
    limit = max(1, live)
    findings: list[tuple[Level, str]] = []
    used_ratio = None if used is None else used / limit
    if used is not None and used_ratio is not None:
        grade = _grade(used_ratio, warn_ratio, critical_ratio)
        if grade != "ok":
            findings.append((grade, f"broker uses {used} of {limit} map areas ({used_ratio:.0%})"))
    required_ratio = required / limit
    grade = _grade(required_ratio, warn_ratio, critical_ratio)
    if grade != "ok":
        findings.append(
            (grade, f"model requires {required} of {limit} map areas ({required_ratio:.0%})")
        )
    findings.extend(extra)
    level: Level = max((g for g, _ in findings), key=_LEVELS.index, default="ok")
    reasons = [f"{g}: {text}" for g, text in findings]
    if not reasons:
        used_txt = "" if used_ratio is None else f"uses {used_ratio:.0%}, "
        reasons.append(
            f"ok: {used_txt}model requires {required_ratio:.0%} of the limit {limit}"
            f" (warn at {warn_ratio:.0%})"
        )
    return Status(level, used, live, used_ratio, required_ratio, reasons)


def level_code(level: Level) -> int:
    """Nagios exit code: 0 ok, 1 warn, 2 critical."""
    return _LEVELS.index(level)
