"""A fleet capacity check as the operator runs it, Ansible included, against the baseline.

  .venv/bin/python bench/bench_capacity_check.py [--hosts 100] [--runs 5] [--baseline REV|none]

Runs `ansible-playbook playbooks/capacity_check.yml` on an inventory of N local-connection
hosts (every one reads this machine: the Kafka search over /proc, the sysctl files, the
report on the control node), first with this checkout, then with the checkout at REV
(default 7ffd0da, the last release before decisions moved into Python; `none` skips it),
unpacked by `git archive` into a temporary directory and run with its own ansible.cfg.
This checkout runs --runs times, each right after a ping of the same hosts, the baseline
once. A run varies by a second and this machine's speed drifts by up to a quarter within an
hour, so the goal is judged on the median of the paired ratios (each check over the ping
just before it: both saw the machine as it was), beside the ratio of the medians. The
first run starts with no compiled copy of the host code (kafka_vmtune.payload_cache), as a
fleet's first check after an upgrade does; the later ones find it, as every other check.
Beside them, Ansible's own floor on the same hosts: `ansible.builtin.ping`, the least any
playbook of one task per host costs, run before each run of this checkout (the same
ansible.cfg, callback and forks). Prints the wall times, the tasks per broker (a broker
that is not the report's run_once host) and the ratios. Goal (issue 18): the check at
most 1.15x ping in the same run; the machine's speed drifts, the ratio is what counts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GOAL = 1.15  # the check's wall time over ping's, same hosts, same run


def inventory(path: Path, hosts: int, root: Path) -> Path:
    names: dict[str, dict[str, object]] = {f"b{i:03d}": {} for i in range(1, hosts + 1)}
    doc = {
        "all": {
            "children": {
                "kafka_brokers": {
                    "hosts": names,
                    "vars": {
                        "ansible_connection": "local",
                        "ansible_python_interpreter": sys.executable,
                        "kafka_vmtune_root": str(root),
                        "kafka_vmtune_show_breakdown": False,
                    },
                }
            }
        }
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def run(checkout: Path, playbook: str, inv: Path, reports: Path) -> tuple[float, str]:
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(checkout / "ansible.cfg"),
        ANSIBLE_FORKS="20",
        ANSIBLE_NOCOLOR="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        # The hosts' cache of compiled host code (kafka_vmtune.payload_cache): this bench's own.
        XDG_CACHE_HOME=str(inv.parent / "cache"),
    )
    # A broker reached over SSH does not inherit the control node's environment; a local
    # connection does, and PYTHONDONTWRITEBYTECODE (set on some CI machines) would turn the
    # hosts' compiled copy off.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = [
        str(BIN / "ansible-playbook"), "-i", str(inv), playbook,
        "-e", f"kafka_vmtune_report_dir={reports}", "-e", "kafka_vmtune_fail_on_critical=false",
    ]  # fmt: skip
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"{checkout}: ansible-playbook failed ({r.returncode}):\n{r.stdout[-3000:]}")
    return elapsed, r.stdout


PING = """\
- name: Ansible's floor, one ping per host
  hosts: kafka_brokers
  gather_facts: false
  tasks:
    - name: Ping
      ansible.builtin.ping:
"""


def per_broker(count: int) -> str:
    return f"{count} task{'s' if count != 1 else ''} per broker"


def tasks_per_host(output: str) -> int:
    """Task results of b002: the report's tasks run once, on the first host of the play."""
    recap = re.search(r"^b002\s+:\s+ok=(\d+)\s+changed=(\d+).*?skipped=(\d+)", output, re.M)
    if recap is None:
        return -1
    return int(recap.group(1)) + int(recap.group(3))


def baseline_checkout(rev: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--baseline", default="7ffd0da", help="a revision, or none")
    args = ap.parse_args()
    subprocess.run(["bash", str(REPO / "run.sh"), "link"], check=True)
    with tempfile.TemporaryDirectory(prefix="kvt-bench-") as tmp:
        t = Path(tmp)
        (t / "root").mkdir()
        inv = inventory(t / "inventory.json", args.hosts, t / "root")
        (t / "ping.yml").write_text(PING, encoding="utf-8")
        runs, floor = [], []
        for i in range(max(1, args.runs)):  # interleaved: both see the machine as it is
            floor.append(run(REPO, str(t / "ping.yml"), inv, t / "reports-ping")[0])
            runs.append(run(REPO, "playbooks/capacity_check.yml", inv, t / f"reports-now-{i}"))
        now_s, now_out = statistics.median(s for s, _ in runs), runs[0][1]
        ping_s = statistics.median(floor)
        old_s, old_out = 0.0, ""
        if args.baseline != "none":
            (t / "baseline").mkdir()
            old = baseline_checkout(args.baseline, t / "baseline")
            old_s, old_out = run(old, "playbooks/capacity-check.yml", inv, t / "reports-old")
    print(f"capacity check of {args.hosts} local-connection hosts (2 cores, forks 20)")
    each = ", ".join(f"{s:.1f}" for s, _ in runs)
    tasks = tasks_per_host(now_out)
    print(f"  this checkout : {now_s:6.1f} s (median of {each}), {per_broker(tasks)}")
    print(f"                  the first run made the hosts' compiled copy: {runs[0][0]:.1f} s")
    if old_out:
        old_tasks = per_broker(tasks_per_host(old_out))
        print(f"  {args.baseline:<13} : {old_s:6.1f} s, {old_tasks}")
    pings = ", ".join(f"{s:.1f}" for s in floor)
    print(f"  ping (floor)  : {ping_s:6.1f} s (median of {pings})")
    print(f"  the check costs {now_s - ping_s:.1f} s above ping")
    if old_out:
        print(f"  ratio now/baseline: {now_s / old_s:.2f}x")
    pairs = [s / p for (s, _), p in zip(runs, floor, strict=True)]
    ratio = statistics.median(pairs)
    print(f"  ratio of the medians now/ping: {now_s / ping_s:.2f}x")
    print(
        f"  ratio now/ping, run by run: {', '.join(f'{r:.2f}' for r in pairs)};"
        f" median {ratio:.2f}x; goal <= {GOAL:.2f}x:",
        "met" if ratio <= GOAL else "NOT met",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
