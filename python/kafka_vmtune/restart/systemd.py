"""A broker's systemd unit as the roll's ServiceController, over any way of running a
command on its host (the kafka_roll action gives each host's own Ansible connection)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping

from ..facts.systemd import StopTimeout, show_properties, timespan_seconds

PROPS = "LoadState,ActiveState,SubState,Result,ExecMainStatus,MainPID,TimeoutStopUSec"
JOURNAL_LINES = 20
Run = Callable[[str], tuple[int, str]]  # command -> (exit code, stdout + stderr)


def unit_of(unit: object, report: object, service_name: str) -> str:
    """kafka_vmtune_unit, else the unit in the host report, else kafka_vmtune_service_name."""
    kafka = report.get("kafka") if isinstance(report, Mapping) else None
    found = kafka.get("unit") if isinstance(kafka, Mapping) else None
    return str(unit or found or service_name)


class Systemd:
    """ServiceController for one broker's unit."""

    def __init__(self, run: Run, unit: str, host: str, budget: float) -> None:
        self.run, self.unit, self._host, self._budget = run, unit, host, budget
        self._pid = 0
        self.timeout_stop: str | None = None
        self.warnings: list[str] = []

    def show(self) -> dict[str, str]:
        rc, out = self.run(f"systemctl show --property={PROPS} {shlex.quote(self.unit)}")
        if rc != 0:
            raise RuntimeError(f"systemctl show {self.unit} on {self._host} failed: {out}")
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
