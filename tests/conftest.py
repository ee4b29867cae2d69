"""Suite-wide setup: the checkout must be reachable as the collection kafka_vmtune.kafka."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINK = REPO / ".cache/collections/ansible_collections/kafka_vmtune/kafka"


def pytest_sessionstart() -> None:
    # The same step as `./run.sh dry-run|test` (run.sh link), for a bare `pytest`.
    if not LINK.exists():
        subprocess.run(["bash", str(REPO / "run.sh"), "link"], check=True)
