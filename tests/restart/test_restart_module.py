"""The kafka_roll action through a real ansible-playbook on localhost (one host: it is its
own coordinator): wrong arguments are refused by the argument spec, a quorum command that
prints no quorum and an unreachable cluster stop the roll with one clear line, in bounded
time, without printing the client secrets. (Whole rolls: tests/rolling.)"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from network import closed_port
from playbook_run import ansible_playbook

pytestmark = pytest.mark.ansible

SECRET = "s3cr3t-Passw0rd-7f1"


def run_tasks(tmp_path: Path, cases: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """Run each case as a kafka_restart task; return the registered results and the output."""
    tasks: list[dict[str, Any]] = [
        {
            "name": name,
            "kafka_vmtune.kafka.kafka_roll": {"report_dir": str(tmp_path / "r"), **args},
            "register": name,
            "ignore_errors": True,
        }
        for name, args in cases.items()
    ]
    results = "{" + ", ".join(f'"{n}": {n}' for n in cases) + "}"
    tasks.append(
        {
            "name": "save",
            "ansible.builtin.copy": {
                "content": "{{ " + results + " | to_json }}",
                "dest": str(tmp_path / "results.json"),
                "mode": "0600",
            },
        }
    )
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    proc = ansible_playbook(
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        str(tmp_path / "play.yml"),
        timeout=300,
    )
    output = proc.output
    assert proc.rc == 0, output  # every case is ignore_errors; the save must run
    return json.loads((tmp_path / "results.json").read_text()), output


def test_wrong_arguments_are_refused_and_an_unreachable_cluster_fails_in_one_line(
    tmp_path: Path,
) -> None:
    bootstrap = f"127.0.0.1:{closed_port()}"
    sasl = {
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": "PLAIN",
        "sasl.username": "roller",
        "sasl.password": SECRET,
    }
    fast = {"request_timeout": 1, "poll_interval": 1, "gate_timeout": 1}
    roll = {"policy": "always", "node_id": 1, "bootstrap_servers": bootstrap}
    results, output = run_tasks(
        tmp_path,
        {
            "bad_policy": {"policy": "sometimes"},
            "bad_timeout": {"gate_timeout": "soon"},
            "bad_node_id": {**roll, "node_id": "abc"},
            "bad_quorum": {**roll, "quorum_command": "echo Error: timed out", **fast},
            "unreachable": {**roll, "client_config": sasl, **fast},
        },
    )
    msg = {name: r["msg"] for name, r in results.items()}
    assert results["bad_policy"]["failed"] and results["bad_timeout"]["failed"]
    assert "value of policy must be one of: never, auto, always" in msg["bad_policy"]
    assert "argument 'gate_timeout' is of type str" in msg["bad_timeout"]
    assert results["bad_node_id"]["roll_failed"]
    assert msg["bad_node_id"].startswith("localhost must restart (policy always) but its Kafka")
    assert results["bad_quorum"]["roll_failed"]
    assert msg["bad_quorum"].startswith(
        "Rolling restart stopped before any broker was stopped: quorum replication output "
        "has no 'NodeId' header line"
    )
    assert results["unreachable"]["roll_failed"]
    # The first contact is the quorum reading that finds the active controller.
    assert msg["unreachable"].startswith(
        "Rolling restart stopped before any broker was stopped: "
        f"DescribeQuorum via {bootstrap} failed: KafkaTimeoutError"
    )
    assert SECRET not in output
    assert SECRET not in json.dumps(results)
