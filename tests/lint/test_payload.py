"""What Ansible ships to a broker with each host module: measuring code, no control-node code.

The payload is built by ansible-core itself (module_common.modify_module, as a worker does
for every host), in a Python of its own so that the plugin loader of this test process is
left alone. Every file in it is compiled on every broker at every run (zipimport keeps no
bytecode), so a module the host never runs costs each host of a fleet check its compile.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from repo import REPO

PACKAGE = "ansible_collections/kafka_vmtune/kafka/plugins/module_utils/kafka_vmtune/"

BUILD = r"""
import base64, io, json, os, re, sys, zipfile
from ansible.plugins.loader import init_plugin_loader, module_loader
init_plugin_loader([os.path.join(sys.argv[1], ".cache", "collections")])
from ansible.executor.module_common import modify_module
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
path = module_loader.find_plugin_with_context(sys.argv[2]).plugin_resolved_path
built = modify_module(
    module_name=sys.argv[2], module_path=path, module_args={},
    templar=Templar(loader=DataLoader()), task_vars={"ansible_python_interpreter": sys.executable},
)
if len(sys.argv) > 3:  # the whole wrapper, as the host runs it
    open(sys.argv[3], "wb").write(built.b_module_data)
data = re.search(rb"zip_data='([^']*)'", built.b_module_data).group(1)
print(json.dumps(zipfile.ZipFile(io.BytesIO(base64.b64decode(data))).namelist()))
"""

# Control-node code: the fleet report and its rendering (the callback and filters print
# for people on the control node), the roll, the CLI's fleet commands, the YAML-reading
# variable check of the action plugins, the what-if planner.
CONTROL_NODE = (
    "report/render.py",
    "report/fleet_report.py",
    "report/prometheus.py",
    "restart/",
    "cli/",
    "variables.py",
    "plan/whatif.py",
)


def shipped(module: str, wrapper: Path | None = None) -> list[str]:
    """The kafka_vmtune files in the module's AnsiballZ payload, relative to the package
    (and the wrapper script a host runs, written to `wrapper`)."""
    r = subprocess.run(
        [sys.executable, "-c", BUILD, str(REPO), module, *([str(wrapper)] if wrapper else [])],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    names: list[str] = json.loads(r.stdout)
    return sorted(n[len(PACKAGE) :] for n in names if n.startswith(PACKAGE))


def control_node_files(files: list[str]) -> list[str]:
    return [f for f in files if f.startswith(CONTROL_NODE)]


@pytest.mark.parametrize("module", ["kafka_facts", "max_map_count", "broker_limits"])
def test_a_host_module_ships_no_control_node_code(module: str) -> None:
    files = shipped(f"kafka_vmtune.kafka.{module}")
    assert "errors.py" in files  # the payload was read: every host module raises VmtuneError
    assert control_node_files(files) == []


def test_the_measurement_ships_the_measuring_code_and_not_the_changing_code() -> None:
    files = shipped("kafka_vmtune.kafka.kafka_facts")
    assert {"pipeline.py", "facts/gather.py", "sizing/model.py", "plan/plan.py"} <= set(files)
    assert [f for f in files if f.startswith("apply/")] == []


def test_a_control_node_file_in_a_payload_is_caught() -> None:
    assert control_node_files(["facts/gather.py", "report/render.py", "restart/run.py"]) == [
        "report/render.py",
        "restart/run.py",
    ]
