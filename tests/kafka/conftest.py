"""The real cluster of molecule/kafka_cluster, for the tests of this folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka_helpers import REPO, log_tail, molecule, molecule_env


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """A prepared three-node cluster; destroyed afterwards whatever happened."""
    log = REPO / ".artifacts" / "molecule-kafka_cluster.log"
    log.parent.mkdir(exist_ok=True)
    log.write_text("")
    env = molecule_env(tmp_path / "reports")
    molecule("destroy", env, log)
    try:
        for action in ("create", "prepare"):
            code = molecule(action, env, log)
            assert code == 0, f"molecule {action} failed ({code}):\n{log_tail(log)}"
        yield env, log
    finally:
        molecule("destroy", env, log)
