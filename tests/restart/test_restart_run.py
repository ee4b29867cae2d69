"""The whole roll as production runs it (restart.run.run_roll, what the kafka_roll action
calls), against the simulated cluster: decisions, resume, the state file and its
validation, the report (JSON and Markdown) and the words an operator reads."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from restart_helpers import SETTINGS
from simulated import Faults, SimCluster, round_robin

from kafka_vmtune.errors import InputError
from kafka_vmtune.restart.admin import QuorumState
from kafka_vmtune.restart.decide import ALREADY_DONE
from kafka_vmtune.restart.kafka_quorum import QuorumUnavailableError
from kafka_vmtune.restart.machine import ServiceController
from kafka_vmtune.restart.run import BrokerHost, RunOptions, run_roll

IDS = [1, 2, 3]


def cluster(faults: Faults | None = None) -> SimCluster:
    return SimCluster.build(
        IDS, round_robin({"orders": 6, "payments": 3}, IDS, 3), voters=IDS, faults=faults
    )


def hosts(**reports: Mapping[str, object]) -> list[BrokerHost]:
    return [BrokerHost(f"b{n}", reports.get(f"b{n}"), False, False, n) for n in IDS]


def options(tmp: Path, **kw: object) -> RunOptions:
    base: dict[str, object] = {
        "policy": "always",
        "report_dir": tmp / "rolling-restart",
        "bootstrap_servers": "sim",
        "settings": SETTINGS,
    }
    return RunOptions(**{**base, **kw})  # type: ignore[arg-type]


def run(sim: SimCluster, tmp: Path, **kw: object) -> object:
    def services(host_of: Mapping[int, str]) -> dict[int, ServiceController]:
        return dict.fromkeys(host_of, sim)

    return run_roll(hosts(), options(tmp, **kw), services, lambda: sim, sim.clock)


def saved(tmp: Path) -> tuple[dict[str, object], dict[str, object]]:
    state = json.loads((tmp / "rolling-restart" / "state.json").read_text())
    report = json.loads((tmp / "rolling-restart" / f"{state['run_id']}.json").read_text())
    return state, report


def test_a_clean_roll_writes_its_report_and_closes_its_state(tmp_path: Path) -> None:
    sim = cluster()
    outcome = run(sim, tmp_path)
    assert not outcome.failed  # type: ignore[attr-defined]
    assert sorted(sim.stops) == IDS and sim.stops[-1] == 1  # controller (1) last
    state, report = saved(tmp_path)
    assert state["completed"] is True and state["hosts"] == ["b2", "b3", "b1"]
    assert report["outcome"] == "ok"
    assert [(b["host"], b["outcome"]) for b in report["brokers"]] == [  # type: ignore[union-attr]
        ("b2", "restarted"),
        ("b3", "restarted"),
        ("b1", "restarted"),
    ]
    lines = outcome.lines  # type: ignore[attr-defined]
    assert "b1: restart (policy always)" in lines
    assert "Rolling 3 broker(s) one at a time, in this order: b2 #2, b3 #3, b1 #1" in lines[4]
    assert lines[-1].startswith("Rolling restart complete: 3 broker(s) restarted (b2, b3, b1)")
    markdown = (tmp_path / "rolling-restart" / f"{state['run_id']}.md").read_text()
    assert "| b1 (controller) | 1 | restarted |" in markdown


def test_a_stopped_roll_leaves_its_state_open_and_says_where(tmp_path: Path) -> None:
    sim = cluster(Faults(never_returns=frozenset({2})))
    outcome = run(sim, tmp_path)
    assert outcome.failed  # type: ignore[attr-defined]
    assert outcome.message.startswith(  # type: ignore[attr-defined]
        "Rolling restart stopped at broker 2 (b2): broker 2 did not come back"
    )
    state, report = saved(tmp_path)
    assert state["completed"] is False and report["outcome"] == "failed"
    [b2] = report["brokers"]  # type: ignore[misc]
    assert b2["outcome"] == "failed" and b2["seconds"]["registered"] >= 60


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (
            '{"started_at": "soon", "completed": false}',
            "started_at must be epoch seconds, got 'soon'",
        ),
        ('{"started_at": 1800000000.0, "comp', "not valid JSON (Unterminated string"),
        ("[1800000000.0]", "must be a JSON object, got list"),
        ('{"started_at": 1800000000.0, "completed": "no"}', "completed must be true or false"),
        ('{"started_at": -1}', "started_at must be epoch seconds, got -1"),
    ],
)
def test_a_broken_state_file_is_named_with_what_is_wrong_and_nothing_happens(
    tmp_path: Path, text: str, complaint: str
) -> None:
    state = tmp_path / "rolling-restart" / "state.json"
    state.parent.mkdir()
    state.write_text(text)
    sim = cluster()
    with pytest.raises(InputError) as info:
        run(sim, tmp_path)
    assert str(info.value).startswith(f"{state}: ")
    assert complaint in str(info.value)
    assert sim.stops == []
    assert [p.name for p in state.parent.iterdir()] == ["state.json"]
    assert state.read_text() == text  # untouched


def test_an_open_roll_is_resumed_and_brokers_done_since_are_skipped(tmp_path: Path) -> None:
    began = 1_800_000_000.0
    folder = tmp_path / "rolling-restart"
    folder.mkdir()
    (folder / "state.json").write_text(json.dumps({"started_at": began, "completed": False}))
    done = {"kafka": {"node_id": 2, "start_time": began + 60}, "process": {}}
    sim = cluster()
    outcome = run_roll(
        hosts(b2=done),
        options(tmp_path),
        lambda host_of: dict.fromkeys(host_of, sim),
        lambda: sim,
        sim.clock,
    )
    assert not outcome.failed
    assert "b2: no restart (already restarted since the roll began" in " ".join(outcome.lines)
    assert 2 not in sim.stops and sorted(sim.stops) == [1, 3]
    state, report = saved(tmp_path)
    assert state["started_at"] == began and report["resumed"] is True
    assert report["skipped"] == [f"b2: {ALREADY_DONE}"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    never_returns=st.frozensets(st.sampled_from(IDS), max_size=1),
    crash=st.none() | st.tuples(st.floats(0, 200), st.sampled_from(IDS)),
)
def test_the_report_never_calls_restarted_a_broker_that_is_not_back(
    never_returns: frozenset[int], crash: tuple[float, int] | None
) -> None:
    sim = cluster(Faults(never_returns=never_returns, crash_at=crash))
    with tempfile.TemporaryDirectory() as tmp:
        outcome = run(sim, Path(tmp))
        state, report = saved(Path(tmp))
    restarted = [b["node_id"] for b in report["brokers"] if b["outcome"] == "restarted"]  # type: ignore[union-attr]
    assert len(restarted) == len(set(restarted))
    assert state["completed"] is (not outcome.failed)  # type: ignore[attr-defined]
    assert report["outcome"] == ("failed" if outcome.failed else "ok")  # type: ignore[attr-defined]
    assert not set(never_returns) & set(restarted)
    assert not [v for v in sim.violations if "stopped while" in v.what]


class QuorumAnswering(SimCluster):
    """The simulated cluster answering DescribeQuorum as ConfluentAdmin.read_quorum does
    (kafka-python): its quorum now, or the error of a cluster whose quorum cannot be read."""

    unreadable: str | None = None
    reads: int = 0
    closed: bool = False

    def read_quorum(self, max_lag: int, max_stale_ms: int) -> QuorumState:
        if self.unreadable is not None:
            raise QuorumUnavailableError(self.unreadable)
        self.reads += 1
        quorum = self.snapshot().quorum
        assert quorum is not None
        return quorum

    def close(self) -> None:
        self.closed = True


def quorum_cluster(unreadable: str | None = None) -> QuorumAnswering:
    sim = QuorumAnswering.build(IDS, round_robin({"orders": 6, "payments": 3}, IDS, 3), voters=IDS)
    sim.unreadable = unreadable
    return sim


def test_the_quorum_is_read_through_the_admin_at_every_gate_and_its_client_closed(
    tmp_path: Path,
) -> None:
    sim = quorum_cluster()
    outcome = run(sim, tmp_path)
    assert not outcome.failed  # type: ignore[attr-defined]
    assert sim.reads == 1 + len(IDS)  # the order's reading, then one per gate
    assert sim.stops[-1] == 1 and sim.closed
    assert not any("not read" in line for line in outcome.lines)  # type: ignore[attr-defined]


def test_a_cluster_whose_quorum_cannot_be_read_rolls_on_partition_gates_and_says_so(
    tmp_path: Path,
) -> None:
    sim = quorum_cluster("DescribeQuorum via sim failed: UnsupportedVersionError")
    outcome = run(sim, tmp_path)
    assert not outcome.failed  # type: ignore[attr-defined]
    assert sorted(sim.stops) == IDS
    assert (
        "The KRaft quorum is not read (DescribeQuorum via sim failed: UnsupportedVersionError);"
        " the gates check brokers and partitions only."
    ) in outcome.lines  # type: ignore[attr-defined]


def test_when_the_quorum_is_required_and_cannot_be_read_no_broker_is_stopped(
    tmp_path: Path,
) -> None:
    sim = quorum_cluster(
        "the client setting sasl.oauthbearer.config has no kafka-python equivalent"
    )
    outcome = run(sim, tmp_path, settings=replace(SETTINGS, require_quorum=True))
    assert outcome.failed  # type: ignore[attr-defined]
    assert sim.stops == [] and sim.closed
    assert "before any broker was stopped" in outcome.message  # type: ignore[attr-defined]
    assert "sasl.oauthbearer.config" in outcome.message  # type: ignore[attr-defined]
