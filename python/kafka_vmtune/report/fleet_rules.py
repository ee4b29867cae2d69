"""The fleet report's fail rules: which hosts make the run fail."""

from __future__ import annotations

from collections.abc import Sequence

from .fleet_rows import HostRow


def problem_hosts(
    rows: Sequence[HostRow], *, fail_on_critical: bool = True, fail_on_down: bool = True
) -> list[str]:
    """Hosts that make the run fail: unreachable or failed always; critical and down when
    asked (tune-vm.yml starts brokers that are down, so it does not stop for them)."""
    bad = {"unreachable", "failed"} | ({"critical"} if fail_on_critical else set())
    bad |= {"down"} if fail_on_down else set()
    return [r.host for r in rows if r.state in bad]


def problem_message(rows: Sequence[HostRow], problems: Sequence[str], report_path: str) -> str:
    """The failure message naming each problem host and its state; empty when none."""
    if not problems:
        return ""
    states = {r.host: r.state for r in rows}
    named = ", ".join(f"{h} ({states[h]})" for h in problems)
    return f"{len(problems)} host(s) need attention: {named}. See {report_path}"
