"""playbooks/rolling_restart.yml run for real with ansible-playbook on this machine.

What an operator relies on before any broker is touched: the policy picks the right
brokers (and none when nothing needs a restart), bad settings fail before any change,
a resumed roll skips brokers already done, and a gate that cannot pass stops the roll
with a clear message, a report, and no broker stopped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from network import closed_port
from repo import REPO
from rolling_helpers import run_playbook, write_inventory

pytestmark = pytest.mark.ansible

pytestmark = pytest.mark.ansible

MAP_COUNT_NOTE = "vm.max_map_count takes effect without a restart"
STOP_TASKS = ("Stop the unit (controlled shutdown)", "Start the unit")
WITH_FACTS = REPO / "tests" / "rolling" / "playbooks" / "with-facts.yml"


def three_brokers(tmp_path: Path, **extra: dict[str, object]) -> Path:
    hosts = {f"b{i}": {"kafka_vmtune_node_id": i, **extra.get(f"b{i}", {})} for i in (1, 2, 3)}
    return write_inventory(tmp_path / "inventory.json", hosts)


@pytest.mark.parametrize("policy", ["never", "auto"])
def test_nothing_to_restart_touches_nothing_and_says_so(tmp_path: Path, policy: str) -> None:
    reports = tmp_path / "reports"
    inventory = write_inventory(tmp_path / "inventory.json", {"localhost": {}})
    run = run_playbook(
        inventory,
        {"kafka_vmtune_restart_policy": policy, "kafka_vmtune_report_dir": str(reports)},
    )
    assert run.rc == 0, run.output[-4000:]
    assert f"No broker needs a restart (policy {policy}): nothing was" in run.output
    assert MAP_COUNT_NOTE in run.output
    assert run.recap()["localhost"]["changed"] == 0
    assert not set(STOP_TASKS) & set(run.tasks_run())
    # Not even a report or a resume state: a no-op run leaves no trace to clean up.
    assert not reports.exists()


def test_auto_selects_only_flagged_and_listed_brokers(tmp_path: Path) -> None:
    inventory = three_brokers(tmp_path, b2={"kafka_vmtune_restart_due": True})
    run = run_playbook(
        inventory,
        {
            "kafka_vmtune_restart_hosts": ["b3"],
            "kafka_vmtune_report_dir": str(tmp_path / "reports"),
        },
        "--check",
    )
    assert run.rc == 0, run.output[-4000:]
    assert "b1: no restart (not flagged" in run.output
    assert "b2: restart (kafka_vmtune_restart_due)" in run.output
    assert "b3: restart (listed in kafka_vmtune_restart_hosts)" in run.output
    assert "Check mode: would restart b2, b3 one at a time" in run.output
    assert not set(STOP_TASKS) & set(run.tasks_run())
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        (
            {"kafka_vmtune_restart_policy": "sometimes"},
            "value of kafka_vmtune_restart_policy must be one of: never, auto, always, "
            "got: sometimes",
        ),
        ({"kafka_vmtune_restart_gate_timeout": "soon"}, "kafka_vmtune_restart_gate_timeout"),
        ({"kafka_vmtune_restart_due": "perhaps"}, "kafka_vmtune_restart_due"),
        ({"kafka_vmtune_client_config": "sasl"}, "kafka_vmtune_client_config"),
    ],
)
def test_wrong_setting_fails_before_any_change(
    tmp_path: Path, extra: dict[str, object], complaint: str
) -> None:
    reports = tmp_path / "reports"
    run = run_playbook(
        three_brokers(tmp_path),
        {"kafka_vmtune_restart_policy": "always", **extra, "kafka_vmtune_report_dir": str(reports)},
    )
    assert run.rc != 0
    assert "Validation of arguments failed" in run.output
    assert complaint in run.output
    # The argument check is the first task: nothing after it ran, nothing was written.
    assert [t for t in run.tasks_run() if not t.startswith("Validating arguments")] == []
    assert not reports.exists()


def test_unknown_node_id_stops_before_any_change(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path / "inventory.json", {"b1": {}})
    run = run_playbook(
        inventory,
        {"kafka_vmtune_restart_policy": "always", "kafka_vmtune_report_dir": str(tmp_path / "r")},
    )
    assert run.rc != 0
    assert "b1 must restart (policy always) but its Kafka node id" in run.output
    assert not (tmp_path / "r").exists()


def test_gate_against_unreachable_cluster_stops_the_roll_before_any_stop(
    tmp_path: Path,
) -> None:
    reports = tmp_path / "reports"
    bootstrap = f"127.0.0.1:{closed_port()}"
    run = run_playbook(
        three_brokers(tmp_path),
        {
            "kafka_vmtune_restart_policy": "always",
            "kafka_vmtune_bootstrap_servers": bootstrap,
            # Inventory order, so the first cluster contact is b1's gate, not the ordering.
            "kafka_vmtune_restart_controller_last": False,
            "kafka_vmtune_restart_gate_timeout": 2,
            "kafka_vmtune_restart_poll_interval": 1,
            "kafka_vmtune_restart_request_timeout": 1,
            "kafka_vmtune_client_config": {"sasl.password": "s3cr3t-never-logged"},
            "kafka_vmtune_report_dir": str(reports),
        },
        "-vvv",  # even the most verbose output must not show the client secrets
    )
    assert run.rc != 0
    assert "Rolling restart stopped at broker 1 (b1)" in run.output
    assert "safety gate still blocked after 2s" in run.output
    assert bootstrap in run.output  # names what it could not reach
    assert "s3cr3t-never-logged" not in run.output
    assert not [p for p in reports.rglob("*") if p.is_file() and "s3cr3t" in p.read_text()]
    assert not set(STOP_TASKS) & set(run.tasks_run())
    assert "Roll broker b2" not in run.output and "(b2)" not in run.output.split("stopped at")[0]
    assert run.recap()["b2"]["ok"] == run.recap()["b3"]["ok"]  # neither got past the decision

    state = json.loads((reports / "rolling-restart" / "state.json").read_text())
    assert state["completed"] is False and state["hosts"] == ["b1", "b2", "b3"]
    report = json.loads((reports / "rolling-restart" / f"{state['run_id']}.json").read_text())
    assert report["outcome"] == "failed"
    [b1] = report["brokers"]
    assert (b1["host"], b1["node_id"], b1["outcome"]) == ("b1", 1, "failed")
    assert b1["seconds"]["gate"] >= 2 and b1["seconds"]["stop"] is None
    assert "safety gate still blocked" in b1["error"]
    markdown = (reports / "rolling-restart" / f"{state['run_id']}.md").read_text()
    assert "| b1 | 1 | failed |" in markdown and "Outcome: **failed**" in markdown


def test_resume_skips_brokers_restarted_since_the_roll_began(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    (reports / "rolling-restart").mkdir(parents=True)
    began = 1_800_000_000.0
    # The state a roll that stopped half way leaves behind.
    (reports / "rolling-restart" / "state.json").write_text(
        json.dumps({"started_at": began, "run_id": "x", "completed": False})
    )
    required = {"nofile_soft": 1048576}

    def report(node_id: int, started: float, nofile: int) -> dict[str, object]:
        return {
            "kafka": {"found": True, "node_id": node_id, "start_time": started},
            "process": {"nofile_soft": nofile, "malloc_arena_max": None},
        }

    inventory = write_inventory(
        tmp_path / "inventory.json",
        {
            # Restarted after the roll began, new limit in effect: done.
            "b1": {"test_report": report(1, began + 60, 1048576)},
            # Still the process from before the roll: restart.
            "b2": {"test_report": report(2, began - 3600, 65536)},
            # Restarted since, but without the new limit (e.g. by hand before the
            # drop-in was written): restart again.
            "b3": {"test_report": report(3, began + 120, 65536)},
        },
    )
    run = run_playbook(
        inventory,
        {
            "kafka_vmtune_restart_policy": "always",
            "kafka_vmtune_restart_required_process": required,
            "kafka_vmtune_report_dir": str(reports),
        },
        "--check",
        playbook=WITH_FACTS,
    )
    assert run.rc == 0, run.output[-4000:]
    assert "b1: no restart (already restarted since the roll began" in run.output
    assert "b2: restart (policy always)" in run.output
    assert "b3: restart (policy always)" in run.output
    assert "Check mode: would restart b2, b3 one at a time" in run.output


def test_completed_roll_is_not_resumed(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    (reports / "rolling-restart").mkdir(parents=True)
    began = 1_800_000_000.0
    (reports / "rolling-restart" / "state.json").write_text(
        json.dumps({"started_at": began, "run_id": "x", "completed": True})
    )
    inventory = write_inventory(
        tmp_path / "inventory.json",
        {
            "b1": {
                "test_report": {
                    "kafka": {"found": True, "node_id": 1, "start_time": began + 60},
                    "process": {},
                }
            }
        },
    )
    run = run_playbook(
        inventory,
        {"kafka_vmtune_restart_policy": "always", "kafka_vmtune_report_dir": str(reports)},
        "--check",
        playbook=WITH_FACTS,
    )
    assert run.rc == 0, run.output[-4000:]
    # A finished roll starts a new one: the broker's earlier restart does not count.
    assert "b1: restart (policy always)" in run.output


LAGGING_QUORUM = """\
NodeId LogEndOffset Lag LastFetchTimestamp LastCaughtUpTimestamp Status
1 5029 0 1732480000000 1732480000000 Leader
2 5029 0 1732479999800 1732479999800 Follower
3 4100 929 1732479990000 1732479900000 Follower
"""


def test_a_quorum_that_cannot_spare_the_broker_is_re_read_then_stops_the_roll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Voter 3 lags, so stopping node 1 would leave 1 of 3 voters caught up. The roll must
    # re-read the quorum (not judge one stale reading) and stop before any broker stops.
    # Kafka is the stand-in admin (healthy), so only the quorum can block.
    quorum_file = tmp_path / "quorum.txt"
    quorum_file.write_text(LAGGING_QUORUM)
    reads = tmp_path / "reads"
    monkeypatch.setenv("KAFKA_VMTUNE_TEST_ADMIN", "standin_admin:StandInAdmin")
    monkeypatch.setenv("PYTHONPATH", f"{REPO / 'tests' / 'support'}:{REPO / 'python'}")
    reports = tmp_path / "reports"
    run = run_playbook(
        three_brokers(tmp_path),
        {
            "kafka_vmtune_restart_policy": "always",
            "kafka_vmtune_bootstrap_servers": "stand-in",
            "kafka_vmtune_restart_controller_last": False,
            "kafka_vmtune_quorum_command": f"sh -c 'echo read >> {reads}; cat {quorum_file}'",
            "kafka_vmtune_restart_gate_timeout": 3,
            "kafka_vmtune_restart_poll_interval": 1,
            "kafka_vmtune_report_dir": str(reports),
        },
    )
    assert run.rc != 0
    assert len(reads.read_text().splitlines()) >= 2, run.output[-3000:]
    flat = run.flat
    assert "broker 1 not stopped: safety gate still blocked after 3s" in flat
    assert "would lose its majority without node 1" in flat
    assert not set(STOP_TASKS) & set(run.tasks_run())
    state = json.loads((reports / "rolling-restart" / "state.json").read_text())
    report = json.loads((reports / "rolling-restart" / f"{state['run_id']}.json").read_text())
    [b1] = report["brokers"]
    assert b1["outcome"] == "failed" and "would lose its majority" in b1["error"]


@pytest.mark.parametrize(
    ("policy", "line"),
    [
        ("never", "b1: no restart (DOWN and left down (policy never): start it, or run with"),
        ("auto", "b1: restart (down: start it and see it back (recovery))"),
    ],
)
def test_a_down_broker_is_left_under_never_and_started_under_auto(
    tmp_path: Path, policy: str, line: str
) -> None:
    down = {"kafka": {"found": False, "node_id": 1, "start_time": None}, "process": None}
    running = {"kafka": {"found": True, "node_id": 2, "start_time": 1.0}, "process": {}}
    # No kafka_vmtune_node_id: the node ids come from the host reports.
    inventory = write_inventory(
        tmp_path / "inventory.json",
        {"b1": {"test_report": {**down, "down": True}}, "b2": {"test_report": running}},
    )
    run = run_playbook(
        inventory,
        {"kafka_vmtune_restart_policy": policy, "kafka_vmtune_report_dir": str(tmp_path / "r")},
        "--check",
        playbook=WITH_FACTS,
    )
    assert run.rc == 0, run.output[-4000:]
    assert line in run.output
    assert "b2: no restart (" in run.output


def test_a_malformed_host_report_stops_the_roll_with_its_cause(tmp_path: Path) -> None:
    inventory = write_inventory(
        tmp_path / "inventory.json",
        {"b1": {"kafka_vmtune_node_id": 1, "test_report": {"process": ["nofile_soft"]}}},
    )
    run = run_playbook(
        inventory,
        {"kafka_vmtune_restart_policy": "always", "kafka_vmtune_report_dir": str(tmp_path / "r")},
        playbook=WITH_FACTS,
    )
    assert run.rc != 0
    assert "b1: host report process must be a mapping, got ['nofile_soft']" in run.output
    assert "Traceback" not in run.output
    assert not set(STOP_TASKS) & set(run.tasks_run())


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (
            '{"started_at": "soon", "completed": false}',
            "started_at must be epoch seconds, got 'soon'",
        ),
        ('{"started_at": 1800000000.0, "compl', "not valid JSON (Unterminated string"),
    ],
)
def test_a_broken_resume_state_stops_the_run_naming_the_file(
    tmp_path: Path, text: str, complaint: str
) -> None:
    reports = tmp_path / "reports"
    state = reports / "rolling-restart" / "state.json"
    state.parent.mkdir(parents=True)
    state.write_text(text)
    run = run_playbook(
        three_brokers(tmp_path),
        {"kafka_vmtune_restart_policy": "always", "kafka_vmtune_report_dir": str(reports)},
    )
    assert run.rc != 0
    assert f"{state}: {complaint}" in run.flat
    assert state.read_text() == text and [p.name for p in state.parent.iterdir()] == ["state.json"]


def test_a_batched_dry_run_prints_the_batches_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stand-in cluster: brokers 1-3, six partitions of RF 3, min ISR 1, controller 1.
    monkeypatch.setenv("KAFKA_VMTUNE_TEST_ADMIN", "standin_admin:StandInAdmin")
    monkeypatch.setenv("PYTHONPATH", f"{REPO / 'tests' / 'support'}:{REPO / 'python'}")
    run = run_playbook(
        three_brokers(tmp_path),
        {
            "kafka_vmtune_restart_policy": "always",
            "kafka_vmtune_restart_batch": "auto",
            "kafka_vmtune_bootstrap_servers": "stand-in",
            "kafka_vmtune_report_dir": str(tmp_path / "reports"),
        },
        "--check",
    )
    assert run.rc == 0, run.output[-3000:]
    flat = run.flat
    assert "Check mode: would restart b1, b2, b3 in 2 batch(es), planned from the partition" in flat
    assert (
        "batch 1: brokers 2, 3 (together every partition keeps min.insync.replicas in sync "
        "on the brokers that stay up)" in flat
    )
    assert "batch 2: broker 1 (active controller: last and alone)" in flat
    assert not (tmp_path / "reports").exists()


def test_a_wrong_batch_setting_stops_before_any_change(tmp_path: Path) -> None:
    run = run_playbook(
        three_brokers(tmp_path),
        {
            "kafka_vmtune_restart_policy": "always",
            "kafka_vmtune_restart_batch": "many",
            "kafka_vmtune_report_dir": str(tmp_path / "reports"),
        },
    )
    assert run.rc != 0
    assert (
        "kafka_vmtune_restart_batch: must be a whole number >= 1 or 'auto', got 'many'"
        in run.output
    )
    assert not (tmp_path / "reports").exists()
