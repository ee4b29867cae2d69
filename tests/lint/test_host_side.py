"""Host-side code must run on a bare broker host: standard library only, Python 3.8+.

`kafka_vmtune.HOST_SIDE` names what Ansible ships to brokers as module_utils and what the
CLI runs there. One third-party import, or one 3.10-only call, anywhere in that set breaks
every module run on every broker of an older fleet (RHEL 8 has Python 3.8 to 3.11).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from repo import REPO

import kafka_vmtune

PACKAGE = REPO / "python" / "kafka_vmtune"
ALLOWED = set(sys.stdlib_module_names) | {"__future__"}
# Ansible modules shipped to broker hosts (kafka_roll runs on the control node).
HOST_MODULES = ("kafka_facts", "max_map_count", "broker_limits", "capacity_report")


def host_side_files(package: Path = PACKAGE) -> list[Path]:
    """Every file of the declared host-side set (a sub-package counts whole)."""
    files: list[Path] = []
    for name in kafka_vmtune.HOST_SIDE:
        base = package.joinpath(*name.split("."))
        if base.is_dir():
            files += sorted(base.rglob("*.py"))
        elif base.with_suffix(".py").is_file():
            files.append(base.with_suffix(".py"))
    return files


def in_host_side(dotted: str) -> bool:
    return any(dotted == n or dotted.startswith(n + ".") for n in kafka_vmtune.HOST_SIDE)


def module_name(path: Path, package: Path = PACKAGE) -> str:
    rel = path.relative_to(package).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def imports_of(path: Path, package: Path = PACKAGE) -> tuple[list[str], list[str]]:
    """(absolute imports, package-internal modules imported relatively) of one file."""
    name = module_name(path, package)
    parts = name.split(".") if name else []
    is_pkg = path.name == "__init__.py"
    absolute: list[str] = []
    internal: list[str] = []
    text = path.read_text()
    lines = text.splitlines()
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if "# vmtune: optional" in lines[node.lineno - 1] if hasattr(node, "lineno") else False:
            continue  # an optional dependency with a clear error when it is missing
        if isinstance(node, ast.Import):
            absolute += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                absolute.append(node.module or "")
                continue
            keep = len(parts) - node.level + (1 if is_pkg else 0)
            base = ".".join([*parts[: max(keep, 0)], *([node.module] if node.module else [])])
            internal.append(base.strip("."))
    return absolute, internal


def test_the_host_side_set_is_not_empty() -> None:
    names = {module_name(p) for p in host_side_files()}
    assert {"pipeline", "facts.procfs", "sizing.model", "cli.main"} <= names


@pytest.mark.parametrize("path", host_side_files(), ids=lambda p: module_name(p) or "pkg")
def test_host_side_module_imports_only_the_standard_library_and_itself(path: Path) -> None:
    absolute, internal = imports_of(path)
    assert [m for m in absolute if m.split(".")[0] not in ALLOWED] == []
    # `from ..restart import x` would drag control-node code (confluent-kafka) to a broker.
    outside = [m for m in internal if m and not in_host_side(m)]
    assert outside == [], f"{path.name} imports control-node modules {outside}"


@pytest.mark.parametrize("path", host_side_files(), ids=lambda p: module_name(p) or "pkg")
def test_host_side_annotations_are_not_evaluated(path: Path) -> None:
    # `X | None` and `list[int]` in annotations are fine on 3.8 only as strings.
    text = path.read_text()
    tree = ast.parse(text)
    annotated = any(
        isinstance(n, ast.AnnAssign)
        or (isinstance(n, ast.arg) and n.annotation is not None)
        or (isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.returns is not None)
        for n in ast.walk(tree)
    )
    if annotated:
        assert "from __future__ import annotations" in text


def runtime_unions(tree: ast.AST) -> list[int]:
    """Lines with `isinstance(x, A | B)`: evaluated at run time, a TypeError before 3.10."""
    return [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id in ("isinstance", "issubclass")
        and len(n.args) == 2
        and isinstance(n.args[1], ast.BinOp)
        and isinstance(n.args[1].op, ast.BitOr)
    ]


@pytest.mark.parametrize("path", host_side_files(), ids=lambda p: module_name(p) or "pkg")
def test_host_side_has_no_runtime_union_types(path: Path) -> None:
    assert runtime_unions(ast.parse(path.read_text())) == []


def test_a_runtime_union_is_caught() -> None:
    assert runtime_unions(ast.parse("isinstance(1, int | str)\nx: int | str = 1\n")) == [1]


def test_a_control_node_import_is_caught(tmp_path: Path) -> None:
    pkg = tmp_path / "kafka_vmtune"
    (pkg / "facts").mkdir(parents=True)
    (pkg / "facts" / "bad.py").write_text("import yaml\nfrom ..restart import admin\n")
    absolute, internal = imports_of(pkg / "facts" / "bad.py", pkg)
    assert absolute == ["yaml"]
    assert internal == ["restart"]
    assert not in_host_side("restart")


def test_vermin_finds_nothing_newer_than_python_3_8() -> None:
    vermin = Path(sys.executable).parent / "vermin"
    files = [str(p) for p in host_side_files()]
    r = subprocess.run(
        [str(vermin), "-t=3.8-", "--no-tips", "--violations", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_vermin_would_catch_a_3_9_call(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('import datetime\nprint("x".removeprefix("x"), datetime.UTC)\n')
    vermin = Path(sys.executable).parent / "vermin"
    r = subprocess.run(
        [str(vermin), "-t=3.8-", "--no-tips", "--violations", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode != 0


def _pythons() -> list[str]:
    """Interpreters 3.8-3.13 on this machine (pyenv's, the system's)."""
    found: dict[str, str] = {}
    roots = [Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"]
    for minor in range(8, 14):
        cands = [c for root in roots for c in sorted(root.glob(f"3.{minor}.*/bin/python3.{minor}"))]
        exe = shutil.which(f"python3.{minor}")
        if exe and "/shims/" not in exe:  # pyenv's shims fail for versions not selected
            cands.append(Path(exe))
        for c in cands:
            if c.is_file() and os.access(c, os.X_OK):
                found[f"3.{minor}"] = str(c)
                break
    return [found[k] for k in sorted(found)] or ["missing"]


@pytest.mark.parametrize("python", _pythons(), ids=lambda p: Path(p).name)
def test_the_cli_runs_on_each_broker_python(python: str, tmp_path: Path) -> None:
    """inspect and plan on 3.8-3.13 from a bare copy of the package (no venv, no deps)."""
    if python == "missing":
        pytest.skip("no Python 3.8-3.13 interpreter found besides the venv's")
    shutil.copytree(PACKAGE, tmp_path / "kafka_vmtune")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "PYTHONNOUSERSITE": "1"}
    base = [python, "-S", "-m", "kafka_vmtune.cli"]
    r = subprocess.run(
        [*base, "inspect", "--json"], capture_output=True, text=True, env=env, check=False
    )
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["sysctl"]["live"] == int(Path("/proc/sys/vm/max_map_count").read_text())
    assert report["plan"]["target"] >= report["sysctl"]["live"]
    r = subprocess.run(
        [*base, "whatif", "--partitions", "500", "--ingress-bytes-per-s", "100000"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "recommended" in r.stdout
