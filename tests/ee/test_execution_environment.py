"""The execution environment (execution-environment.yml) for AWX / Automation Platform.

`ansible-builder create` turns the definition into a build context holding the collection
tarball of this checkout, and the context's galaxy requirements install that collection
the way the image's galaxy stage does (`ansible-galaxy collection install -r
requirements.yml` in /build). The image build itself pulls a base image from a registry,
which these machines cannot reach; everything before it runs here for real.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from repo import BIN, REPO

pytestmark = pytest.mark.ansible

EE_FILE = REPO / "execution-environment.yml"


@dataclass(frozen=True)
class Workspace:
    """A copy of the definition's files, laid out as in the checkout."""

    root: Path
    tarball: Path  # where the definition expects `ansible-galaxy collection build` output

    @property
    def context(self) -> Path:
        return self.root / "context"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def galaxy_meta() -> dict[str, str]:
    path = REPO / "galaxy.yml"
    if not path.is_file():
        pytest.skip("galaxy.yml is missing: the repository is not a collection yet")
    meta: dict[str, str] = yaml.safe_load(path.read_text())
    return meta


def expected_tarball() -> str:
    meta = galaxy_meta()
    return f"{meta['namespace']}-{meta['name']}-{meta['version']}.tar.gz"


def definition() -> dict[str, object]:
    doc: dict[str, object] = yaml.safe_load(EE_FILE.read_text())
    return doc


def pins() -> dict[str, str]:
    """constraints.txt as {lowercase name: 'name==version'}."""
    lines = (REPO / "constraints.txt").read_text().splitlines()
    return {ln.split("==")[0].lower(): ln.strip() for ln in lines if "==" in ln}


def workspace(root: Path, build: bool) -> Workspace:
    """The definition and its galaxy requirements copied to root, with the collection
    built from this checkout into dist/ when build is true."""
    shutil.copy(EE_FILE, root / EE_FILE.name)
    galaxy = definition()["dependencies"]["galaxy"]  # type: ignore[index]
    (root / galaxy).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / galaxy, root / galaxy)
    dist = root / "dist"
    dist.mkdir()
    if build:
        out = run(
            [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(dist)], REPO
        )
        assert out.returncode == 0, out.stdout + out.stderr
    return Workspace(root, dist / expected_tarball())


def create(ws: Workspace) -> subprocess.CompletedProcess[str]:
    return run([str(BIN / "ansible-builder"), "create", "--context", str(ws.context)], ws.root)


def galaxy_stage(ws: Workspace, dest: Path) -> subprocess.CompletedProcess[str]:
    """What the image's galaxy stage runs, in the context's _build (the image's /build)."""
    args = ["collection", "install", "-r", "requirements.yml", "--collections-path", str(dest)]
    return run([str(BIN / "ansible-galaxy"), *args], ws.context / "_build")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = workspace(tmp_path_factory.mktemp("ee"), build=True)
    out = create(ws)
    assert out.returncode == 0, out.stdout + out.stderr
    return ws


def test_definition_names_the_tarball_galaxy_yml_builds() -> None:
    name = expected_tarball()
    files = [f["src"] for f in definition()["additional_build_files"]]  # type: ignore[attr-defined]
    assert f"dist/{name}" in files, (
        f"execution-environment.yml copies {files}, but `ansible-galaxy collection build` "
        f"writes dist/{name}: update it and ee/requirements.yml with galaxy.yml's version"
    )


def test_context_carries_the_collection_built_from_this_checkout(built: Workspace) -> None:
    copied = built.context / "_build" / "collections" / built.tarball.name
    assert copied.read_bytes() == built.tarball.read_bytes()
    containerfile = (built.context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile


def test_galaxy_stage_installs_the_collection_with_its_roles(
    built: Workspace, tmp_path: Path
) -> None:
    out = galaxy_stage(built, tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    meta = galaxy_meta()
    installed = tmp_path / "ansible_collections" / meta["namespace"] / meta["name"]
    manifest = json.loads((installed / "MANIFEST.json").read_text())["collection_info"]
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == (
        meta["namespace"],
        meta["name"],
        meta["version"],
    )
    for role in ("kafka_facts", "vm_max_map_count", "capacity_report", "rolling_restart"):
        assert (installed / "roles" / role / "meta" / "argument_specs.yml").is_file(), role


def test_python_and_ansible_pins_are_those_of_constraints_txt(built: Workspace) -> None:
    # The image runs the same versions CI tests: read from what ansible-builder generated.
    want = pins()
    requirements = (built.context / "_build" / "requirements.txt").read_text().split()
    assert sorted(requirements) == sorted(
        [want["confluent-kafka"], want["kafka-python"], want["pyyaml"]]
    )
    refs = re.search(
        r'ARG ANSIBLE_INSTALL_REFS="([^"]*)"', (built.context / "Containerfile").read_text()
    )
    assert refs is not None
    assert sorted(refs.group(1).split()) == sorted([want["ansible-core"], want["ansible-runner"]])


def test_without_the_built_tarball_the_galaxy_stage_fails_naming_it(tmp_path: Path) -> None:
    # ansible-builder create only notes the missing file; the image build must then stop
    # at the galaxy stage with the file's name rather than ship an image without roles.
    (tmp_path / "ws").mkdir()
    ws = workspace(tmp_path / "ws", build=False)
    out = create(ws)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"No matches for 'dist/{ws.tarball.name}'" in out.stdout + out.stderr
    stage = galaxy_stage(ws, tmp_path / "collections")
    assert stage.returncode != 0
    assert ws.tarball.name in stage.stdout + stage.stderr
