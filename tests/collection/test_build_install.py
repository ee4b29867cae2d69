"""The built tarball and the installed collection: one copy of the package, reachable as
module_utils after install, and nothing of the checkout's development tree shipped."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from collection_helpers import FQCN, Installed
from repo import BIN, REPO

pytestmark = pytest.mark.ansible

LINK = "plugins/module_utils/kafka_vmtune"
TARGET = "../../python/kafka_vmtune"


def test_git_holds_one_copy_of_the_package() -> None:
    # Mode 120000: the module_utils entry is a symlink in git, not a second tree of files.
    entries = subprocess.run(
        ["git", "ls-files", "-s", "plugins/module_utils"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert [e.split()[0] for e in entries if e] == ["120000"]
    assert os.readlink(REPO / LINK) == TARGET


def test_tarball_keeps_the_link_and_the_package_once(tarball: Path) -> None:
    with tarfile.open(tarball) as tar:
        members = {m.name: m for m in tar.getmembers()}
    link = members[LINK]
    assert link.issym() and link.linkname == TARGET
    assert members["python/kafka_vmtune/settings.py"].isfile()
    assert not [n for n in members if n.startswith(f"{LINK}/")]
    files = json.loads(tar_text(tarball, "FILES.json"))["files"]
    assert {f["name"] for f in files if f["ftype"] == "file"} >= {
        "plugins/modules/kafka_facts.py",
        "plugins/filter/settings.py",
        "playbooks/tune_vm.yml",
        "tests/sanity/ignore-2.19.txt",
    }


def test_tarball_leaves_the_development_tree_out(tarball: Path) -> None:
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    tops = {n.split("/")[0] for n in names}
    assert not tops & {".venv", ".cache", ".git", "molecule", "bench", "run.sh", "pyproject.toml"}
    tests = {n.split("/")[1] for n in names if n.startswith("tests/") and n.count("/") >= 1}
    assert tests <= {"sanity", ""}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_installed_collection_has_the_package_inside_it(installed: Installed) -> None:
    link = installed.root / LINK
    assert link.is_symlink() and os.readlink(link) == TARGET
    resolved = link.resolve()
    assert resolved == (installed.root / "python/kafka_vmtune").resolve()
    assert (resolved / "settings.py").is_file()


def test_ansible_sees_the_installed_copy_only(installed: Installed, tmp_path: Path) -> None:
    listing = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "list", FQCN, "--format", "json"],
        cwd=tmp_path,
        env=installed.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    paths = json.loads(listing)
    assert list(paths) == [str(installed.collections / "ansible_collections")]


def test_module_docs_render_from_the_installed_collection(
    installed: Installed, tmp_path: Path
) -> None:
    doc = subprocess.run(
        [str(BIN / "ansible-doc"), "--json", f"{FQCN}.max_map_count"],
        cwd=tmp_path,
        env=installed.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    options = json.loads(doc)[f"{FQCN}.max_map_count"]["doc"]["options"]
    assert set(options) == {
        "report",
        "sysctl_file",
        "root",
        "proc",
        "apply_live",
        "verify_boot",
        "max_map_count",
    }
    # Flow-style YAML cut this description at its comma and made the rest a key.
    assert options["max_map_count"]["description"] == (
        "The operator's fixed value, if any (says so in the file)."
    )


def tar_text(tarball: Path, name: str) -> str:
    with tarfile.open(tarball) as tar:
        member = tar.extractfile(name)
        assert member is not None
        return member.read().decode("utf-8")
