"""Action: the whole rolling restart, as one task on every broker of the play.

The play's first host coordinates: its task runs kafka_vmtune.restart.run.run_roll on the
control node (decide, resume, order, every turn, the final check, state file and report).
Every host's task serves its own host meanwhile: the coordinator asks it, over a Unix
socket in a private directory (all tasks are worker processes of one ansible-playbook),
to run systemctl or journalctl, and it runs them over that host's own Ansible connection
with its become settings. So a roll costs one task per broker however long it runs, and
each broker is reached exactly the way Ansible reaches it. Needs forks >= the brokers of
the play (every task must be running at once); a host that does not join is named.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ansible.plugins.action import ActionBase
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.errors import (
    InputError,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.connect import (
    connect,
    stand_in,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.decide import (
    POLICIES,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.machine import (
    RollSettings,
    SystemClock,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.run import (
    BrokerHost,
    RunOptions,
    run_roll,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.restart.systemd import (
    Systemd,
    unit_of,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.settings import (
    roll_default,
)

TIMEOUTS = (
    "gate_timeout",
    "stop_timeout",
    "start_timeout",
    "catchup_timeout",
    "election_timeout",
    "poll_interval",
    "request_timeout",
)
SPEC: dict[str, Any] = {
    # This host's own inputs (templated for it by Ansible).
    "report": {"type": "raw"},
    "restart_due": {"type": "raw", "default": False},
    "listed": {"type": "bool", "default": False},
    "node_id": {"type": "raw"},
    "rack": {"type": "str"},
    "unit": {"type": "str"},
    "service_name": {"type": "str", "default": "kafka"},
    # The roll's settings (the coordinator's are used).
    "policy": {"type": "str", "default": "auto", "choices": list(POLICIES)},
    "bootstrap_servers": {"type": "str", "default": ""},
    "client_config": {"type": "dict", "default": {}, "no_log": True},
    "report_dir": {"type": "path", "required": True},
    "required_process": {"type": "dict", "default": {}},
    "roll_started_at": {"type": "float"},
    "quorum_command": {"type": "str", "default": ""},
    "quorum_max_lag": {"type": "int", "default": 100},
    "quorum_max_stale": {"type": "float", "default": 30.0},
    "controller_last": {"type": "bool", "default": True},
    "require_quorum": {"type": "bool", "default": False},
    "controlled_shutdown_budget": {
        "type": "float",
        "default": roll_default("controlled_shutdown_budget"),
    },
    "join_timeout": {"type": "float", "default": 120.0},
    "batch": {"type": "raw", "default": 1},
    **{t: {"type": "float", "default": roll_default(f"restart_{t}")} for t in TIMEOUTS},
}


def _send(conn: socket.socket, message: Mapping[str, Any]) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


class _Lines:
    """Newline-delimited JSON messages from a socket."""

    def __init__(self, conn: socket.socket) -> None:
        self._file = conn.makefile("rb")

    def read(self) -> dict[str, Any] | None:
        line = self._file.readline()
        return json.loads(line) if line else None


class _Agent:
    """The coordinator's side of one host: run a command there, one at a time."""

    def __init__(self, conn: socket.socket | None, local: Any = None) -> None:
        self._conn, self._local, self._lock = conn, local, threading.Lock()
        self._lines = _Lines(conn) if conn is not None else None

    def run(self, command: str) -> tuple[int, str]:
        with self._lock:
            if self._local is not None:
                return _execute(self._local, command)
            if self._conn is None or self._lines is None:
                raise RuntimeError("an agent without a connection")
            _send(self._conn, {"run": command})
            answer = self._lines.read()
        if answer is None:
            return 255, "the host's task ended (its worker process is gone)"
        return int(answer["rc"]), str(answer["out"])

    def done(self, result: Mapping[str, Any]) -> None:
        if self._conn is not None:
            try:
                _send(self._conn, {"done": result})
            finally:
                self._conn.close()


def _execute(action: ActionBase, command: str) -> tuple[int, str]:
    try:
        res = action._low_level_execute_command(command, sudoable=True)
    except Exception as exc:  # the connection failed: the roll says so and stops
        return 255, f"cannot run on the host: {exc}"
    text = (res.get("stdout") or "") + (res.get("stderr") or "")
    return int(res.get("rc", 1)), text.strip()


class ActionModule(ActionBase):  # type: ignore[misc]  # ansible-core has no type hints
    TRANSFERS_FILES = False
    _supports_check_mode = True  # check mode decides and says, nothing is touched
    _requires_connection = False  # connects only when the coordinator asks

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        validation, _args = self.validate_argument_spec(argument_spec=SPEC)
        p: dict[str, Any] = validation.validated_parameters
        task_vars = task_vars or {}
        host = str(task_vars["inventory_hostname"])
        play_hosts = [str(h) for h in task_vars.get("ansible_play_hosts") or [host]]
        rendezvous = Path(tempfile.gettempdir()) / f"kvt-roll-{os.getppid()}-{self._task._uuid}"
        mine = {k: p[k] for k in ("report", "restart_due", "listed", "node_id", "unit", "rack")}
        mine["service_name"] = p["service_name"]
        if host != play_hosts[0]:
            return {**result, **self._serve(rendezvous, host, mine, p["join_timeout"])}
        return {**result, **self._coordinate(rendezvous, host, mine, play_hosts, p)}

    # -- every host but the first ---------------------------------------------------------

    def _serve(
        self, rendezvous: Path, host: str, mine: dict[str, Any], timeout: float
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                sock.connect(str(rendezvous / "roll.sock"))
                break
            except OSError:
                if time.monotonic() > deadline:
                    return {"failed": True, "msg": "the roll's coordinator never listened"}
                time.sleep(0.1)
        lines = _Lines(sock)
        with sock:
            _send(sock, {"hello": host, "input": mine})
            while True:
                message = lines.read()
                if message is None:
                    return {"failed": True, "msg": "the roll's coordinator ended without a word"}
                if "done" in message:
                    return dict(message["done"])
                rc, out = _execute(self, str(message["run"]))
                _send(sock, {"rc": rc, "out": out})

    # -- the first host ---------------------------------------------------------------------

    def _coordinate(
        self,
        rendezvous: Path,
        host: str,
        mine: dict[str, Any],
        play_hosts: list[str],
        p: dict[str, Any],
    ) -> dict[str, Any]:
        inputs: dict[str, dict[str, Any]] = {host: mine}
        agents: dict[str, _Agent] = {host: _Agent(None, local=self)}
        rendezvous.mkdir(mode=0o700)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(str(rendezvous / "roll.sock"))
            server.listen(len(play_hosts))
            server.settimeout(1.0)
            deadline = time.monotonic() + p["join_timeout"]
            while len(agents) < len(play_hosts) and time.monotonic() < deadline:
                try:
                    conn, _addr = server.accept()
                except TimeoutError:
                    continue
                conn.settimeout(None)
                hello = _Lines(conn).read()
                if hello is None:
                    conn.close()
                    continue
                inputs[hello["hello"]] = hello["input"]
                agents[hello["hello"]] = _Agent(conn)
            missing = [h for h in play_hosts if h not in agents]
            outcome = self._roll(play_hosts, inputs, agents, p, missing)
        finally:
            server.close()
            shutil.rmtree(rendezvous, ignore_errors=True)
        restarted = set(outcome.get("restarted", []))
        for name, agent in agents.items():
            if name != host:
                agent.done({"changed": name in restarted, "msg": outcome["summary"]})
        return {
            **outcome,
            "changed": host in restarted,
            "test_admin": stand_in(),
        }

    def _roll(
        self,
        play_hosts: list[str],
        inputs: dict[str, dict[str, Any]],
        agents: dict[str, _Agent],
        p: dict[str, Any],
        missing: list[str],
    ) -> dict[str, Any]:
        if missing:
            why = (
                f"host(s) {', '.join(missing)} did not join the roll within "
                f"{p['join_timeout']:g}s: unreachable, or fewer forks than brokers "
                f"(forks must be at least {len(play_hosts)})"
            )
            return {"roll_failed": True, "msg": why, "summary": why, "lines": [why]}
        hosts = [
            BrokerHost(
                h,
                inputs[h]["report"],
                inputs[h]["restart_due"],
                bool(inputs[h]["listed"]),
                inputs[h]["node_id"],
                inputs[h].get("rack") or None,
            )
            for h in play_hosts
        ]
        settings = RollSettings(
            **{t: p[t] for t in TIMEOUTS if t != "request_timeout"},
            controller_last=p["controller_last"],
            require_quorum=p["require_quorum"],
        )
        options = RunOptions(
            policy=p["policy"],
            report_dir=Path(p["report_dir"]) / "rolling-restart",
            bootstrap_servers=p["bootstrap_servers"],
            settings=settings,
            required_process=p["required_process"],
            started_at=p["roll_started_at"],
            quorum_command=p["quorum_command"],
            quorum_max_lag=p["quorum_max_lag"],
            quorum_max_stale_ms=int(p["quorum_max_stale"] * 1000),
            check_mode=bool(self._task.check_mode),
            batch=p["batch"],
        )

        def services(host_of: Mapping[int, str]) -> dict[int, Systemd]:
            return {
                node: Systemd(
                    agents[h].run,
                    unit_of(inputs[h]["unit"], inputs[h]["report"], inputs[h]["service_name"]),
                    h,
                    p["controlled_shutdown_budget"],
                )
                for node, h in host_of.items()
            }

        try:
            outcome = run_roll(
                hosts,
                options,
                services,
                lambda: connect(
                    p["bootstrap_servers"], p["client_config"], request_timeout=p["request_timeout"]
                ),
                SystemClock(),
                run_on=lambda h, command: agents[h].run(command),
            )
        except InputError as exc:
            return {"roll_failed": True, "msg": str(exc), "summary": str(exc), "lines": [str(exc)]}
        return {
            "roll_failed": outcome.failed,
            "msg": outcome.message or outcome.lines[-1],
            "summary": outcome.lines[-1],
            "lines": outcome.lines,
            "restarted": outcome.restarted,
            "report": str(outcome.report) if outcome.report else None,
        }
