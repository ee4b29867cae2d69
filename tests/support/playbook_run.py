"""ansible-playbook as the tests run it, and the outcome of one run as they read it."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from repo import BIN, REPO
from tiers import starting

RECAP = re.compile(r"^(\S+)\s*:\s*(ok=\d+.*)$", re.M)


@dataclass(frozen=True)
class Run:
    rc: int
    output: str

    @property
    def flat(self) -> str:
        """The output with runs of whitespace as one space (long lines are wrapped)."""
        return " ".join(self.output.split())

    def tasks_run(self, role: str = "rolling_restart") -> list[str]:
        """Names of the tasks that ran on at least one host (not skipped everywhere),
        without the role's prefix."""
        names = []
        for block in re.split(r"^TASK \[", self.output, flags=re.MULTILINE)[1:]:
            name, _, body = block.partition("]")
            if re.search(r"^(ok|changed|fatal|failed): ", body, re.MULTILINE):
                names.append(re.sub(rf"^[\w.]*{role} : ", "", name))
        return names

    def recap(self) -> dict[str, dict[str, int]]:
        """Per host, every counter of its recap line (ok, changed, unreachable, failed, ...)."""
        return {
            m.group(1): {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
            for m in RECAP.finditer(self.output)
        }


def ansible_env(
    config: Path = REPO / "ansible.cfg", base: Mapping[str, str] | None = None, **extra: str
) -> dict[str, str]:
    """base (os.environ) for a run: config as ansible.cfg (the checkout's), no colours,
    the venv first on PATH, then extra."""
    env = dict(
        os.environ if base is None else base,
        ANSIBLE_CONFIG=str(config),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_DEPRECATION_WARNINGS="0",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.update(extra)
    return env


def ansible_playbook(
    *args: str, cwd: Path = REPO, env: dict[str, str] | None = None, timeout: int = 600
) -> Run:
    """`ansible-playbook ARGS` from cwd (the checkout unless said), output and exit code."""
    starting("ansible")
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), *args],
        cwd=cwd,
        env=env if env is not None else ansible_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(proc.returncode, proc.stdout + proc.stderr)
