"""One id per test run, so that two runs can share a machine.

Podman container and network names are machine-wide (the images are shared on purpose:
named by their recipe's hash, never removed by a test run). Every name a test gives to a
podman resource ends with this run's id (`scoped`), and a run removes only names with its
own id. The id is exported as KVT_RUN_ID, so Molecule scenarios started by the tests name
their platforms and networks with it too (molecule.yml: `kvt-kc-1-${KVT_RUN_ID:-manual}`).
"""

from __future__ import annotations

import os
import secrets

# Set once per pytest process; an outer runner may choose it (KVT_RUN_ID=... pytest).
RUN_ID: str = os.environ.setdefault("KVT_RUN_ID", "r" + secrets.token_hex(3))


def scoped(name: str) -> str:
    """name-RUNID: a podman resource name that belongs to this run alone."""
    return f"{name}-{RUN_ID}"
