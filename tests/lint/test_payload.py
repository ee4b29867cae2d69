"""What Ansible ships to a broker with each host module: measuring code, no control-node code.

The payload is built by ansible-core itself (module_common.modify_module, as a worker does
for every host), in a Python of its own so that the plugin loader of this test process is
left alone. Every file in it is compiled on every broker at every run (zipimport keeps no
bytecode), so a module the host never runs costs each host of a fleet check its compile.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
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


# -- the compiled copy (kafka_vmtune.payload_cache) --------------------------------------


def run_wrapper(wrapper: Path, cache: Path, **env: str) -> tuple[dict[str, object], str]:
    """Run the host module as a broker does, with `cache` as XDG_CACHE_HOME: its report and
    the modules Python loaded from bytecode under `cache` (python -v names each)."""
    r = subprocess.run(
        [sys.executable, "-v", str(wrapper)],
        env={"PATH": "/usr/bin:/bin", "HOME": str(cache), "XDG_CACHE_HOME": str(cache), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    loaded = [
        line.split("'")[1]
        for line in r.stderr.splitlines()
        if line.startswith("# code object from") and str(cache) in line
    ]
    report: dict[str, object] = json.loads(r.stdout)["ansible_facts"]["kafka_vmtune"]
    report.pop("generated_at")
    return report, "\n".join(loaded)


@pytest.fixture(scope="module")
def wrapper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wrapper") / "AnsiballZ_kafka_facts.py"
    shipped("kafka_vmtune.kafka.kafka_facts", path)
    return path


def test_a_broker_compiles_the_shipped_code_once_and_then_loads_its_bytecode(
    wrapper: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    first, _ = run_wrapper(wrapper, cache)
    second, loaded_second = run_wrapper(wrapper, cache)
    # The first run wrote and compiled the copy; the second imports it like any package.
    assert "/kafka-vmtune/python/" in loaded_second and "pipeline." in loaded_second
    assert "facts/__pycache__/gather." in loaded_second
    [copy] = (cache / "kafka-vmtune" / "python").iterdir()
    assert copy.stat().st_mode & 0o777 == 0o700
    assert (copy / "pipeline.py").is_file() and not (copy / "restart").exists()
    # Without the cache (refused below), the same report (what this machine runs may vary).
    loose = tmp_path / "loose"
    loose.mkdir()
    loose.chmod(0o777)
    refused, _ = run_wrapper(wrapper, loose)
    assert first.keys() == second.keys() == refused.keys()
    assert first["schema"] == second["schema"] == refused["schema"] == 3


def test_pythondontwritebytecode_turns_the_copy_off(wrapper: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    _, loaded = run_wrapper(wrapper, cache, PYTHONDONTWRITEBYTECODE="1")
    assert loaded == ""
    assert not (cache / "kafka-vmtune").exists()


@pytest.mark.parametrize("flaw", ["writable by others", "owned by another user", "a symlink"])
def test_a_cache_another_user_could_change_is_not_used(
    wrapper: Path, tmp_path: Path, flaw: str
) -> None:
    if os.geteuid() != 0 and flaw == "owned by another user":
        pytest.skip("needs root to give a directory away")
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    cache = home / "cache"
    if flaw == "writable by others":
        cache.mkdir()
        cache.chmod(0o777)
    elif flaw == "owned by another user":
        cache.mkdir(mode=0o700)
        os.chown(cache, 65534, 65534)
    else:
        (home / "elsewhere").mkdir(mode=0o700)
        cache.symlink_to(home / "elsewhere")
    report, loaded = run_wrapper(wrapper, cache)
    assert report["kafka"]["found"] in (True, False)  # type: ignore[index]
    assert loaded == ""
    assert not (cache / "kafka-vmtune").exists()


def test_a_new_copy_removes_the_copies_no_run_used_for_a_month(tmp_path: Path) -> None:
    from kafka_vmtune import payload_cache

    root = tmp_path / "root"
    root.mkdir(mode=0o700)
    archive = tmp_path / "payload.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("pkg/__init__.py", "")
        z.writestr("pkg/mod.py", "VALUE = 1\n")
    # Ages from the file system's clock, the one the rule reads (the process clock may be
    # shifted by faketime; the kernel's stamps are not).
    now = root.stat().st_mtime
    old, recent = root / "cpython-38-old", root / "cpython-311-recent"
    for path, age_days in ((old, payload_cache.UNUSED_DAYS + 1), (recent, 2)):
        path.mkdir()
        os.utime(path, (now - age_days * 86400,) * 2)
    made = payload_cache.compiled_copy(str(archive), "pkg/", str(root))
    assert made is not None and Path(made, "mod.py").read_text() == "VALUE = 1\n"
    assert list(Path(made, "__pycache__").glob("mod.*.pyc"))
    assert sorted(p.name for p in root.iterdir()) == sorted([Path(made).name, recent.name])
    # Used again: found as it is, and marked as used now.
    os.utime(made, (now - 86400,) * 2)
    assert payload_cache.compiled_copy(str(archive), "pkg/", str(root)) == made
    assert Path(made).stat().st_mtime > now - 60
