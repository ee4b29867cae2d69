"""The kafka_restart module (order, healthy) through a real ansible-playbook on localhost:
wrong arguments are refused by the argument spec, and an unreachable cluster fails with one
clear line, in bounded time, without printing the client secrets. (The per-broker sequence
is the kafka_roll_broker action: tests/rolling.)"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-Passw0rd-7f1"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_tasks(tmp_path: Path, cases: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """Run each case as a kafka_restart task; return the registered results and the output."""
    tasks: list[dict[str, Any]] = [
        {
            "name": name,
            "kafka_vmtune.kafka.kafka_restart": args,
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
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
    )
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            str(tmp_path / "play.yml"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output  # every case is ignore_errors; the save must run
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
    fast = {"request_timeout": 1, "poll_interval": 1}
    results, output = run_tasks(
        tmp_path,
        {
            "bad_node_id": {"phase": "healthy", "node_id": "abc", "bootstrap_servers": bootstrap},
            "bad_timeout": {
                "phase": "healthy",
                "bootstrap_servers": bootstrap,
                "gate_timeout": "soon",
            },
            "bad_phase": {"phase": "gate", "node_id": 1, "bootstrap_servers": bootstrap},
            "order_without_ids": {"phase": "order", "bootstrap_servers": bootstrap},
            "zero_poll": {
                "phase": "healthy",
                "bootstrap_servers": bootstrap,
                "poll_interval": 0,
            },
            "bad_quorum": {
                "phase": "order",
                "node_ids": [1, 2, 3],
                "bootstrap_servers": bootstrap,
                "quorum_replication": "Error: timed out",
            },
            "unreachable_healthy": {
                "phase": "healthy",
                "node_ids": [1, 2, 3],
                "bootstrap_servers": bootstrap,
                "client_config": sasl,
                "gate_timeout": 1,
                **fast,
            },
            "unreachable_order": {
                "phase": "order",
                "node_ids": [1, 2, 3],
                "bootstrap_servers": bootstrap,
                "client_config": sasl,
                **fast,
            },
        },
    )
    assert all(r["failed"] for r in results.values()), results
    msg = {name: r["msg"] for name, r in results.items()}
    assert "argument 'node_id' is of type str" in msg["bad_node_id"]
    assert "argument 'gate_timeout' is of type str" in msg["bad_timeout"]
    assert "value of phase must be one of: order, healthy" in msg["bad_phase"]
    assert (
        "phase is order but all of the following are missing: node_ids" in msg["order_without_ids"]
    )
    assert msg["zero_poll"] == "poll_interval must be greater than 0, got 0.0"
    assert msg["unreachable_order"].startswith(
        f"cannot order brokers: listing the topics via {bootstrap}"
    )
    assert msg["bad_quorum"] == (
        "quorum_replication: quorum replication output has no 'NodeId' header line"
    )
    assert msg["unreachable_healthy"].startswith("cluster not healthy after 1s: cannot ask Kafka")
    assert SECRET not in output
    assert SECRET not in json.dumps(results)
