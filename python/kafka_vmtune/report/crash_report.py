"""What `kafka-vmtune diagnose` prints and its exit code (the crashes of facts.crashes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..facts.crashes import MAP_COUNT
from .render import printable

if TYPE_CHECKING:
    from ..contracts import Diagnosis


def exit_code(report: Diagnosis) -> int:
    """0 no crash, 1 crashes of other causes, 2 a crash from vm.max_map_count."""
    causes = {k["cause"] for k in report["crashes"]}
    return 2 if MAP_COUNT in causes else 1 if causes else 0


def render(report: Diagnosis) -> str:
    """The report for a terminal: one block per crash, then where it looked."""
    crashes = report["crashes"]
    by_limit = sum(1 for k in crashes if k["cause"] == MAP_COUNT)
    lines = [
        f"{len(crashes)} crash(es) found, {by_limit} from {MAP_COUNT}"
        if crashes
        else "no crash found"
    ]
    for k in crashes:
        pid = k["pid"] if k["pid"] is not None else "?"
        lines.append(f"\n{k['time'] or 'time unknown'}  pid {pid}  cause: {k['cause']}")
        lines.append(f"  {k['detail']}")
        lines += [f"  evidence: {e}" for e in k["evidence"]]
    if by_limit:
        lines.append(
            f"\nThe JVM ran out of map areas: raise {MAP_COUNT} (kafka-vmtune inspect shows"
            " what the broker needs; tune-vm.yml sets it and starts a broker that is down)."
        )
    lines.append("\nsearched: " + ", ".join(report["searched"]))
    lines += [f"not read: {s}" for s in report["skipped"]]
    # hs_err text and file names are the host's: no escape sequence reaches the terminal.
    return printable("\n".join(lines))
