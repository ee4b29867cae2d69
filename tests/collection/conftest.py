"""The collection as an operator gets it: built, installed, used from outside this checkout.

One tarball per session (`ansible-galaxy collection build`), installed into an empty
collections path. Every run starts in an empty directory with no ansible.cfg from this
repository (ANSIBLE_CONFIG names a file that does not exist) and ANSIBLE_COLLECTIONS_PATH
set to that path only, so nothing resolves through the checkout or its .cache link.
Managed paths point into a temporary root (kafka_vmtune_root), as in tests/ansible:
/etc/sysctl.d and /proc/sys of this machine are never written.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from collection_helpers import REAL_SYSCTL_FILE, Installed, Sandbox
from repo import BIN, REPO


@pytest.fixture(scope="session")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`ansible-galaxy collection build` of this checkout, once per session."""
    out = tmp_path_factory.mktemp("collection-build")
    proc = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", str(REPO), "--output-path", str(out)],
        cwd=out,
        env=Installed(out, out).env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (built,) = out.glob("kafka_vmtune-kafka-*.tar.gz")
    return built


@pytest.fixture(scope="session")
def installed(tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The tarball installed into an empty collections path."""
    collections = tmp_path_factory.mktemp("collections")
    inst = Installed(tarball, collections)
    galaxy = [str(BIN / "ansible-galaxy"), "collection"]
    proc = subprocess.run(
        [*galaxy, "install", str(tarball), "-p", str(collections)],
        cwd=collections,
        env=inst.env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return inst


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path)
    box.cwd.mkdir()
    for rel in ("etc/sysctl.d", "usr/lib/sysctl.d", "run/sysctl.d", "etc/systemd/system"):
        (box.root / rel).mkdir(parents=True)
    real_before = REAL_SYSCTL_FILE.exists()
    yield box
    # The machine's own sysctl.d is never touched by these tests.
    assert REAL_SYSCTL_FILE.exists() == real_before
