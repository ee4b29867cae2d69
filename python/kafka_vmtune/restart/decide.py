"""Which brokers the rolling restart takes, one host at a time: policy never | auto | always.

The role's filter kafka_vmtune.kafka.restart_decision calls decide() once per broker with
its host report and its variables; the role only copies the result into facts. The resume
rule (already_restarted) lives here too, so the rule is written once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..settings import truth

# The policy's values, once: decide(), the pre-flight (variables.errors) and, checked by a
# test because Ansible reads them from YAML, the rolling_restart role's argument_specs.
POLICIES = ("never", "auto", "always")


def policy_error(policy: object) -> str | None:
    """Why `policy` is not a restart policy; None when it is one."""
    if policy in POLICIES:
        return None
    return (
        f"kafka_vmtune_restart_policy: must be {', '.join(POLICIES[:-1])} or {POLICIES[-1]},"
        f" got {policy!r}"
    )


# The reason shown per broker ("b1: no restart (<reason>)") and kept in the roll report.
LEFT_DOWN = "DOWN and left down (policy never): start it, or run with policy auto"
NEVER = "policy never"
RECOVERY = "down: start it and see it back (recovery)"
NOT_FLAGGED = "not flagged: kafka_vmtune_restart_due false, not in kafka_vmtune_restart_hosts"
ALREADY_DONE = "already restarted since the roll began, required settings in effect"
ALWAYS = "policy always"
DUE = "kafka_vmtune_restart_due"
LISTED = "listed in kafka_vmtune_restart_hosts"


@dataclass(frozen=True)
class Selection:
    selected: bool  # this roll restarts (or, when down, starts) the broker
    down: bool  # the host report says the broker died: started, not stopped
    node_id: int | None  # None: unknown (the role stops if the broker is selected)
    reason: str


def already_restarted(
    process_start_time: float | None, run_started: float, settings_in_effect: bool
) -> bool:
    """Resume rule: skip a broker whose process started after this run began and already
    runs with the required settings (limits/environment) in effect."""
    return (
        process_start_time is not None and process_start_time >= run_started and settings_in_effect
    )


def settings_in_effect(process: Mapping[str, Any], required: Mapping[str, Any]) -> bool:
    """Every required process setting shows its required value in the broker's facts."""
    return all(key in process and process[key] == value for key, value in required.items())


def flag(name: str, value: object) -> bool:
    """A true/false variable as Ansible's `bool` reads it (None: false)."""
    answer = False if value is None else truth(value)  # the settings table's reading
    if answer is None:
        raise InputError(f"{name} must be true or false, got {value!r}")
    return answer


def node_id_of(value: object) -> int | None:
    """A Kafka node id (digits), or None when it is unset or not one."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return int(text) if re.fullmatch(r"[0-9]+", text) else None


def _mapping(name: str, value: object) -> Mapping[str, Any]:
    """A section of the host report; missing or empty reads as empty."""
    if not value:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"{name} must be a mapping, got {value!r}")
    return value


def _start_time(kafka: Mapping[str, Any]) -> float | None:
    value = kafka.get("start_time")
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"host report kafka.start_time must be epoch seconds, got {value!r}"
        ) from None


def _reason(policy: str, down: bool, picked: bool, done: bool, due: bool) -> str:
    if policy == "never":
        return LEFT_DOWN if down else NEVER
    if down:
        return RECOVERY
    if not picked:
        return NOT_FLAGGED
    if done:
        return ALREADY_DONE
    if policy == "always":
        return ALWAYS
    return DUE if due else LISTED


def decide(
    policy: str,
    report: object,
    *,
    restart_due: object,
    listed: bool,
    required_process: Mapping[str, Any] | None,
    resuming: object,
    roll_started_at: float,
    node_id: object = None,
) -> Selection:
    """Whether this broker restarts, and why.

    policy: never | auto | always. report: the host report (ansible_facts.kafka_vmtune),
    missing or empty for a host without facts. restart_due: kafka_vmtune_restart_due.
    listed: the host is in kafka_vmtune_restart_hosts. required_process: the process
    settings a restarted broker must show (kafka_vmtune_restart_required_process).
    resuming and roll_started_at: the roll resumes one begun at that epoch second; a broker
    already_restarted since then is skipped. node_id: kafka_vmtune_node_id, else the
    report's kafka.node_id. Raises InputError naming the bad value.
    """
    bad = policy_error(policy)
    if bad is not None:
        raise InputError(bad)
    facts = report if isinstance(report, Mapping) else _mapping("host report", report)
    process = _mapping("host report process", facts.get("process"))
    kafka = _mapping("host report kafka", facts.get("kafka"))
    required = _mapping("kafka_vmtune_restart_required_process", required_process)
    down = flag("host report down", facts.get("down"))
    due = flag("kafka_vmtune_restart_due", restart_due)
    try:
        started_at = float(roll_started_at)
    except (TypeError, ValueError):
        raise InputError(f"roll start must be epoch seconds, got {roll_started_at!r}") from None
    picked = policy == "always" or (policy == "auto" and (down or due or bool(listed)))
    done = flag("resuming", resuming) and already_restarted(
        _start_time(kafka), started_at, settings_in_effect(process, required)
    )
    return Selection(
        selected=picked and not done,
        down=down,
        node_id=node_id_of(kafka.get("node_id") if node_id is None else node_id),
        reason=_reason(policy, down, picked, done, due),
    )
