"""The real clusters of molecule/kafka_cluster and kafka_cluster6, for this folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka_helpers import SCENARIO, SIX_SCENARIO, molecule_env, prepared
from repo import REPO


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """A prepared three-node cluster; destroyed afterwards whatever happened."""
    log = REPO / ".artifacts" / "molecule-kafka_cluster.log"
    env = molecule_env(tmp_path / "reports")
    with prepared(SCENARIO, env, log):
        yield env, log


@pytest.fixture
def six(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """A prepared six-node, three-rack cluster; destroyed afterwards whatever happened."""
    log = REPO / ".artifacts" / "molecule-kafka_cluster6.log"
    env = molecule_env(tmp_path / "reports")
    with prepared(SIX_SCENARIO, env, log):
        yield env, log
