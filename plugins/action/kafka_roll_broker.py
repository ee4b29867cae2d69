"""Action: one turn of the rolling restart, as one task (delegate_to the broker's host).

Runs kafka_vmtune.restart.machine.roll_step on the control node: the admin client talks
to Kafka from here, and the broker's systemd is reached through this task's Ansible
connection (the delegated host, with its become settings). One task per broker instead
of a dozen keeps Ansible's per-task cost out of the roll; the sequence itself is the
Python the property and fault tests drive.
"""

from __future__ import annotations

import shlex
import time
from typing import Any

from ansible.plugins.action import ActionBase
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.facts.systemd import (
    StopTimeout,
    show_properties,
    timespan_seconds,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.admin import (
    AdminError,
    QuorumState,
    parse_quorum_replication,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.connect import (
    connect,
    stand_in,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.machine import (
    RestartError,
    RollSettings,
    SystemClock,
    roll_step,
)

# The collection's one package, through module_utils: the same code on any controller
# (checkout, installed collection, AWX execution environment).
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.settings import (
    roll_default,
)

PROPS = "LoadState,ActiveState,SubState,Result,ExecMainStatus,MainPID,TimeoutStopUSec"
JOURNAL_LINES = 20
SPEC: dict[str, Any] = {
    "node_id": {"type": "int", "required": True},
    "remaining": {"type": "list", "elements": "int", "required": True},
    "down": {"type": "list", "elements": "int", "default": []},
    "node_ids": {"type": "list", "elements": "int", "default": []},
    "unit": {"type": "str", "required": True},
    "host": {"type": "str", "default": "?"},  # the broker's inventory name, for messages
    "bootstrap_servers": {"type": "str", "required": True},
    "client_config": {"type": "dict", "default": {}, "no_log": True},
    **{
        option: {"type": "float", "default": roll_default(f"restart_{option}")}
        for option in (
            "gate_timeout",
            "stop_timeout",
            "start_timeout",
            "catchup_timeout",
            "election_timeout",
            "poll_interval",
            "request_timeout",
        )
    },
    "controller_last": {"type": "bool", "default": True},
    "require_quorum": {"type": "bool", "default": False},
    "quorum_replication": {"type": "str"},
    "quorum_max_lag": {"type": "int", "default": 100},
    "quorum_max_stale": {"type": "float", "default": 30.0},
    "controlled_shutdown_budget": {
        "type": "float",
        "default": roll_default("controlled_shutdown_budget"),
    },
}


class Systemd:
    """ServiceController for one broker's unit, over the task's connection."""

    def __init__(self, action: ActionBase, unit: str, host: str, budget: float) -> None:
        self._action, self.unit, self._host, self._budget = action, unit, host, budget
        self._pid = 0
        self.timeout_stop: str | None = None
        self.warnings: list[str] = []

    def run(self, command: str) -> tuple[int, str]:
        res = self._action._low_level_execute_command(command, sudoable=True)
        text = (res.get("stdout") or "") + (res.get("stderr") or "")
        return int(res.get("rc", 1)), text.strip()

    def show(self) -> dict[str, str]:
        rc, out = self.run(f"systemctl show --property={PROPS} {shlex.quote(self.unit)}")
        if rc != 0:
            raise RuntimeError(f"systemctl show {self.unit} failed: {out}")
        return show_properties(out)

    def stop(self, node_id: int) -> None:
        props = self.show()
        if props.get("LoadState") != "loaded":
            raise RuntimeError(
                f"systemd unit {self.unit} on {self._host} is {props.get('LoadState')}: set "
                "kafka_vmtune_unit (or kafka_vmtune_service_name) to the broker's unit"
            )
        self.timeout_stop = props.get("TimeoutStopUSec", "")
        stop = StopTimeout(self.unit, timespan_seconds(self.timeout_stop), self.timeout_stop, None)
        warning = stop.warning(self._budget, self._host)  # the tune report's rule and words
        if warning is not None:
            self.warnings.append(warning)
        self._pid = int(props.get("MainPID", "0") or 0)
        rc, out = self.run(f"systemctl stop {shlex.quote(self.unit)}")
        if rc != 0:
            raise RuntimeError(f"systemctl stop {self.unit}: {out}")

    def is_running(self, node_id: int) -> bool:
        return self._pid > 0 and self.run(f"test -e /proc/{self._pid}")[0] == 0

    def start(self, node_id: int) -> None:
        rc, out = self.run(f"systemctl start {shlex.quote(self.unit)}")
        if rc != 0:
            raise RuntimeError(f"systemctl start {self.unit}: {out}; {self.describe()}")

    def failure(self, node_id: int) -> str | None:
        props = self.show()
        if props.get("ActiveState") in ("active", "activating", "reloading"):
            return None
        return self.describe(props)

    def describe(self, props: dict[str, str] | None = None) -> str:
        props = props if props is not None else self.show()
        state = " ".join(
            f"{k}={props.get(k, '?')}"
            for k in ("ActiveState", "SubState", "Result", "ExecMainStatus")
        )
        _rc, journal = self.run(
            f"journalctl -u {shlex.quote(self.unit)} -n {JOURNAL_LINES} --no-pager -o cat"
        )
        return (
            f"unit {self.unit} {props.get('ActiveState', '?')} ({state}); "
            f"last journal lines: {' | '.join(journal.splitlines()[-JOURNAL_LINES:]) or 'none'}"
        )


def _admin(p: dict[str, Any], quorum: QuorumState | None) -> Any:
    return connect(
        p["bootstrap_servers"],
        p["client_config"],
        request_timeout=p["request_timeout"],
        quorum=quorum,
    )


def _settings(p: dict[str, Any]) -> RollSettings:
    return RollSettings(
        gate_timeout=p["gate_timeout"],
        stop_timeout=p["stop_timeout"],
        start_timeout=p["start_timeout"],
        catchup_timeout=p["catchup_timeout"],
        election_timeout=p["election_timeout"],
        poll_interval=p["poll_interval"],
        controller_last=p["controller_last"],
        require_quorum=p["require_quorum"],
        expected_brokers=frozenset(p["node_ids"]) if p["node_ids"] else None,
    )


class ActionModule(ActionBase):  # type: ignore[misc]  # ansible-core has no type hints
    TRANSFERS_FILES = False
    _requires_connection = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        validation, _args = self.validate_argument_spec(argument_spec=SPEC)
        p: dict[str, Any] = validation.validated_parameters
        if self._task.check_mode:
            return {**result, "skipped": True, "msg": "check mode: nothing is restarted"}
        if p["remaining"][:1] != [p["node_id"]]:
            return {**result, "failed": True, "msg": "node_id must be the first of remaining"}
        began = time.time()
        host = p["host"]
        service = Systemd(self, p["unit"], host, p["controlled_shutdown_budget"])
        extra: dict[str, Any] = {"began_at": began, "test_admin": stand_in()}
        try:
            quorum = None
            if p["quorum_replication"]:
                quorum = parse_quorum_replication(
                    p["quorum_replication"], p["quorum_max_lag"], int(p["quorum_max_stale"] * 1000)
                )
            admin = _admin(p, quorum)
            step = roll_step(
                admin,
                service,
                p["remaining"],
                _settings(p),
                SystemClock(),
                node_ids=p["node_ids"],
                down=p["down"],
            )
        except RestartError as exc:
            report = exc.report.to_dict() if exc.report is not None else {}
            extra.update(unit_timeout_stop=service.timeout_stop, warnings=service.warnings)
            return {**result, **extra, "failed": True, "msg": str(exc), "report": report}
        except AdminError as exc:
            return {**result, **extra, "failed": True, "msg": str(exc), "report": {}}
        extra.update(unit_timeout_stop=service.timeout_stop, warnings=service.warnings)
        if step.report is None:
            return {
                **result,
                **extra,
                "changed": False,
                "deferred": True,
                "remaining": step.remaining,
                "msg": step.note,
                "report": {},
            }
        r = step.report
        return {
            **result,
            **extra,
            "changed": True,
            "deferred": False,
            "remaining": step.remaining,
            "report": r.to_dict(),
            "msg": f"broker {r.node_id} is back, in sync, and leads "
            f"{len(r.partitions_led_after)} partition(s) ({len(r.elected)} elected)",
        }
