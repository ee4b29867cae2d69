"""The outcome of one ansible-playbook run, as the tests read it."""

from __future__ import annotations

import re
from dataclasses import dataclass

RECAP = re.compile(r"^(\S+)\s*:\s*(ok=\d+.*)$", re.M)


@dataclass(frozen=True)
class Run:
    rc: int
    output: str

    @property
    def flat(self) -> str:
        """The output with runs of whitespace as one space (long lines are wrapped)."""
        return " ".join(self.output.split())

    def recap(self) -> dict[str, dict[str, int]]:
        """Per host, every counter of its recap line (ok, changed, unreachable, failed, ...)."""
        return {
            m.group(1): {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
            for m in RECAP.finditer(self.output)
        }
