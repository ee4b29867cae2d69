"""Host-side code must run on a bare broker host: standard library only.

Ansible ships kafka_vmtune.host and kafka_vmtune.fleet_report, with every module they
import through relative imports, as module_utils to hosts that have only Python. One
third-party import anywhere in that closure breaks every module run on every broker.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "kafka_vmtune"
# What Ansible ships to hosts, and the facts modules they are built on.
ROOTS = (
    "host",
    "fleet_report",
    "procfs",
    "discovery",
    "logdirs",
    "sysctl_config",
    "versions",
    "facts.crashes",
)
ALLOWED = set(sys.stdlib_module_names) | {"__future__"}


def _module_file(package: Path, dotted: str) -> Path | None:
    base = package.joinpath(*dotted.split(".")) if dotted else package
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _resolve(current: str, is_package: bool, level: int, target: str | None) -> str:
    """Dotted name inside the package of a relative import made from module `current`."""
    parts = current.split(".") if current else []
    # In a package's __init__, `.` is the package itself; in a module, its parent.
    keep = len(parts) - level + (1 if is_package else 0)
    base = parts[: max(keep, 0)]
    return ".".join([*base, *([target] if target else [])])


def third_party_imports(package: Path, root: str) -> dict[str, list[str]]:
    """Modules reachable from `root` through relative imports -> their non-stdlib imports.

    Modules that do not exist (yet) are skipped: only existing code can be wrong.
    """
    found: dict[str, list[str]] = {}
    todo = [root]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(package, name)
        if path is None:
            continue
        bad: list[str] = []
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                bad += [a.name for a in node.names if a.name.split(".")[0] not in ALLOWED]
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    if (node.module or "").split(".")[0] not in ALLOWED:
                        bad.append(node.module or "")
                    continue
                target = _resolve(name, path.name == "__init__.py", node.level, node.module)
                todo.append(target)
                # `from . import procfs` / `from .restart import gate`: names may be modules.
                todo += [f"{target}.{a.name}".lstrip(".") for a in node.names]
        if bad:
            found[str(path.relative_to(package.parent))] = bad
    return found


@pytest.mark.parametrize("root", ROOTS)
def test_host_side_module_imports_only_the_standard_library(root: str) -> None:
    if _module_file(PACKAGE, root) is None:
        pytest.skip(f"kafka_vmtune.{root} does not exist yet")
    assert third_party_imports(PACKAGE, root) == {}


def test_a_third_party_import_reached_through_relative_imports_is_reported(
    tmp_path: Path,
) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "host.py").write_text("import json\nfrom .helper import x\nfrom . import sub\n")
    (pkg / "helper.py").write_text("import os\nfrom .sub.deep import y\nx = y = 1\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "deep.py").write_text("def f():\n    import yaml\n    return yaml\ny = 1\n")
    (pkg / "unrelated.py").write_text("import requests\n")
    assert third_party_imports(pkg, "host") == {"pkg/sub/deep.py": ["yaml"]}


def test_a_missing_module_is_skipped_not_failed(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "host.py").write_text("from .not_written_yet import z\n")
    assert third_party_imports(pkg, "host") == {}
