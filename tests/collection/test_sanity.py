"""`ansible-test sanity` on the installed collection (.../ansible_collections/kafka_vmtune/kafka).

ansible-test gives each sanity test a virtual environment of its own and puts pip into it
with a get-pip.py from ci-files.testing.ansible.com, unreachable here. It runs with a
private HOME (.cache/ansible-test-home: its venvs are kept there between sessions, the
machine's ~/.ansible is left alone) whose bootstrap cache holds tests/collection/get_pip.py,
which installs the same pinned pip from PyPI. The first run builds the venvs (100 s
measured); later runs take 20 to 50 s.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from collection_helpers import Installed
from repo import BIN, REPO

pytestmark = pytest.mark.ansible

HOME = REPO / ".cache" / "ansible-test-home"
IGNORE = REPO / "tests" / "sanity" / "ignore-2.19.txt"
# Every test ansible-test 2.19 has for a collection (changelog lints changelogs/fragments/
# with antsibull-changelog). Some find nothing to check here: no PowerShell (pslint), no
# shell scripts in the tarball (shellcheck): they run and pass on no files.
EXPECTED = {
    "action-plugin-docs", "ansible-doc", "changelog", "compile", "empty-init", "ignores",
    "import", "line-endings", "no-assert", "no-get-exception", "no-illegal-filenames",
    "no-smart-quotes", "pep8", "pslint", "pylint", "replace-urlopen", "runtime-metadata",
    "shebang", "shellcheck", "symlinks", "use-argspec-type-path", "use-compat-six",
    "validate-modules", "yamllint",
}  # fmt: skip


def pip_bootstrap_version() -> str:
    """The pip version ansible-test bootstraps (the name of its cached get-pip script)."""
    import ansible_test

    source = Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
    match = re.search(r"default_packages = dict\(\s*pip='([\d.]+)'", source.read_text())
    assert match, f"ansible-test changed how it pins pip: read {source}"
    return match.group(1)


def prepare_home() -> dict[str, str]:
    cache = HOME / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    name = f"get_pip_{pip_bootstrap_version().replace('.', '_')}.py"
    shutil.copyfile(Path(__file__).with_name("get_pip.py"), cache / name)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")},
        "HOME": str(HOME),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def test_every_ignore_has_a_reason() -> None:
    lines = [line for line in IGNORE.read_text(encoding="utf-8").splitlines() if line]
    assert lines
    for line in lines:
        entry, sep, reason = line.partition(" # ")
        assert sep and len(reason.split()) >= 4, f"ignore without a reason: {line}"
        path = entry.split()[0]
        assert (REPO / path).is_file(), f"ignore for a file that does not exist: {path}"


def test_ansible_test_sanity_passes_on_the_installed_collection(installed: Installed) -> None:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    proc = subprocess.run(
        [str(BIN / "ansible-test"), "sanity", "--local", "--python", python, "--color", "no"],
        cwd=installed.root,
        env=prepare_home(),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    out = proc.stdout + proc.stderr
    errors = "\n".join(line for line in out.splitlines() if "ERROR" in line or "FATAL" in line)
    assert proc.returncode == 0, errors or out[-6000:]
    ran = set(re.findall(r'^Running sanity test "([\w-]+)"', out, re.M))
    assert ran == EXPECTED, out[-3000:]
