"""`kafka-vmtune fleet check|tune`: run the playbooks on a fleet, show progress, print the report.

Control node only. ansible_runner is imported inside run_fleet, so `kafka-vmtune` keeps
working (inspect, plan, check) where it is not installed.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from .. import settings

# The collection's playbooks, by FQCN: the same content from a checkout or an installed
# collection (ansible-galaxy collection install, an AWX execution environment).
PLAYBOOKS = {"check": "kafka_vmtune.kafka.capacity_check", "tune": "kafka_vmtune.kafka.tune_vm"}
# Task results worth a progress line; the rest (starts, stats, verbose) are noise here.
RESULT_EVENTS = {
    "runner_on_ok": "ok",
    "runner_on_failed": "FAILED",
    "runner_on_unreachable": "UNREACHABLE",
    "runner_on_skipped": "skipped",
}


def checkout_dir() -> Path | None:
    """The kafka-vmtune checkout this package runs from (it holds galaxy.yml), if any."""
    top = Path(__file__).resolve().parents[3]
    return top if (top / "galaxy.yml").is_file() and (top / "roles").is_dir() else None


def collections_path() -> str:
    """ANSIBLE_COLLECTIONS_PATH: the checkout's link first (run.sh link), then the user's."""
    paths = [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p]
    top = checkout_dir()
    if top is not None:
        paths.insert(0, str(top / ".cache" / "collections"))
    paths += [str(Path.home() / ".ansible/collections"), "/usr/share/ansible/collections"]
    return os.pathsep.join(dict.fromkeys(paths))


def format_event(event: Mapping[str, Any]) -> str | None:
    """One progress line for a task result (or a play start); None for other events."""
    kind = event.get("event", "")
    data = event.get("event_data") or {}
    if kind == "playbook_on_play_start":
        return f"== {data.get('play', '')}"
    status = RESULT_EVENTS.get(kind)
    if status is None:
        return None
    res = data.get("res") or {}
    if status == "ok" and res.get("changed"):
        status = "changed"
    if status == "FAILED" and data.get("ignore_errors"):
        status = "failed (ignored)"
    if status == "ok" and res.get("unreachable"):
        status = "UNREACHABLE (recorded)"
    host = data.get("remote_addr") or data.get("host", "?")
    line = f"{host:<24} {status:<12} {data.get('task', '').strip()}"
    if status.startswith(("FAILED", "UNREACHABLE")) and res.get("msg"):
        line += f": {str(res['msg']).splitlines()[0][:300]}"
    return line


def progress_printer(out: TextIO) -> Callable[[Mapping[str, Any]], bool]:
    def handler(event: Mapping[str, Any]) -> bool:
        line = format_event(event)
        if line is not None:
            print(line, file=out, flush=True)
        return False  # not kept in the runner's artifacts: the report is the record

    return handler


def playbook_args(args: argparse.Namespace, report_dir: str, report_name: str) -> list[str]:
    """ansible-playbook options after the inventory and playbook."""
    argv: list[str] = []
    if getattr(args, "check", False):
        argv.append("--check")
    if getattr(args, "diff", False):
        argv.append("--diff")
    if args.limit:
        argv += ["--limit", args.limit]
    for extra in args.extra_vars:
        argv += ["-e", extra]
    # Last, so the report lands where this command prints it from.
    argv += ["-e", f"kafka_vmtune_report_dir={report_dir}"]
    argv += ["-e", f"kafka_vmtune_report_name={report_name}"]
    return argv


def run_fleet(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    try:
        import ansible_runner
    except ImportError:
        print(
            "kafka-vmtune fleet: ansible-runner is not installed (pip install ansible-runner)",
            file=sys.stderr,
        )
        return 2
    playbook = PLAYBOOKS[args.fleet_command]
    inventory = Path(args.inventory).resolve()
    if not inventory.exists():
        print(f"kafka-vmtune fleet: inventory {args.inventory} not found", file=sys.stderr)
        return 2
    report_dir = str(Path(args.report_dir or settings.state_dir()).expanduser().resolve())
    now = datetime.datetime.now(datetime.timezone.utc)
    # The PID too: two fleet runs started in the same second write reports of their own.
    report_name = f"fleet-{args.fleet_command}-{now:%Y%m%dT%H%M%SZ}-{os.getpid()}"
    bindir = os.path.dirname(sys.executable)
    top = checkout_dir()
    env = {
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_INJECT_FACT_VARS": "False",
        "ANSIBLE_NOCOLOR": "1",
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    if top is not None:
        env["ANSIBLE_CONFIG"] = str(top / "ansible.cfg")
    with tempfile.TemporaryDirectory(prefix="kvt-runner-") as private:
        runner = ansible_runner.run(
            private_data_dir=private,
            playbook=playbook,
            inventory=str(inventory),
            cmdline=shlex.join(playbook_args(args, report_dir, report_name)),
            envvars=env,
            event_handler=progress_printer(out),
            quiet=True,
        )
        rc = int(runner.rc) if runner.rc is not None else 1
    report = Path(report_dir) / report_name / "capacity.md"
    if report.is_file():
        print("", file=out)
        print(report.read_text(encoding="utf-8"), file=out)
        print(f"(report: {report}, {report.with_suffix('.json')})", file=out)
    else:
        print(f"no capacity report was written ({report}): see the failures above", file=out)
    print(f"kafka-vmtune fleet {args.fleet_command}: ansible-playbook exit code {rc}", file=out)
    return rc


def register(subparsers: Any) -> None:
    """Add `fleet check|tune` to the kafka-vmtune command line (called by cli.py)."""
    fleet = subparsers.add_parser(
        "fleet",
        help="run the capacity check or the tune on a fleet (Ansible inventory)",
        description="Run kafka_vmtune.kafka.capacity_check (check) or .tune_vm (tune) on a "
        "fleet through ansible-runner, with a live line per task result per host, then "
        "print the capacity report. The exit code is the playbook's.",
    )
    commands = fleet.add_subparsers(dest="fleet_command", required=True)
    helps = {
        "check": "read-only capacity check of every broker; non-zero when one is critical",
        "tune": "size, persist and apply vm.max_map_count (use --check --diff first)",
    }
    for name, text in helps.items():
        cmd = commands.add_parser(name, help=text, description=text)
        cmd.add_argument("-i", "--inventory", required=True, help="Ansible inventory of the fleet")
        cmd.add_argument("--limit", help="only these hosts/groups (ansible --limit pattern)")
        cmd.add_argument(
            "-e",
            "--extra-vars",
            action="append",
            default=[],
            metavar="VARS",
            help="extra variables, as for ansible-playbook (repeatable)",
        )
        cmd.add_argument(
            "--report-dir",
            help="reports directory (default: $KAFKA_VMTUNE_STATE_DIR, else"
            " ~/.local/state/kafka-vmtune)",
        )
        if name == "tune":
            cmd.add_argument("--check", action="store_true", help="dry run: change nothing")
            cmd.add_argument("--diff", action="store_true", help="show file differences")
        cmd.set_defaults(func=run_fleet)
