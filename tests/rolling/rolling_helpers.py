"""Run playbooks/rolling_restart.yml for real (ansible-playbook, local connection).

No Kafka exists here, so these runs cover what happens before and around the cluster:
the policy decision, argument validation, resume, and a gate that cannot pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playbook_run import Run, ansible_playbook
from repo import REPO

PLAYBOOK = REPO / "playbooks" / "rolling_restart.yml"


def write_inventory(path: Path, hosts: dict[str, dict[str, Any]]) -> Path:
    """A kafka_brokers group of local-connection hosts (one machine, several names)."""
    local = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
    }
    inventory = {
        "all": {
            "children": {"kafka_brokers": {"hosts": {h: {**local, **v} for h, v in hosts.items()}}}
        }
    }
    path.write_text(json.dumps(inventory))
    return path


def run_playbook(
    inventory: Path,
    extra_vars: dict[str, Any],
    *args: str,
    playbook: Path = PLAYBOOK,
    timeout: int = 300,
) -> Run:
    r = ansible_playbook(
        "-i",
        str(inventory),
        str(playbook),
        "-e",
        json.dumps(extra_vars),
        # Task-level detail (names, retries, argument checks): the project's callback
        # gives it back under -v, as an operator asks for it (unless args set a level).
        *([] if any(a.startswith("-v") for a in args) else ["-v"]),
        *args,
        timeout=timeout,
    )
    return r
