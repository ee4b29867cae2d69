"""The collection's plugin and role documentation passes the ecosystem's linter,
`antsibull-docs lint-collection-docs --plugin-docs`, as a docsite build would read it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from markdown_pages import REPO, run
from repo import BIN

pytestmark = pytest.mark.ansible  # antsibull-docs runs ansible-doc on every plugin and role


def lint(collections: Path, collection: Path) -> subprocess.CompletedProcess[str]:
    config = collections / "ansible.cfg"  # none of the checkout's settings
    config.write_text("[defaults]\n", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
        "ANSIBLE_CONFIG": str(config),
    }
    command = [BIN / "antsibull-docs", "lint-collection-docs", "--plugin-docs", collection]
    return run(command, cwd=collections, env=env, timeout=600)


def collection_tree(tmp_path: Path, source: Path) -> Path:
    """An ansible_collections tree in tmp_path whose kafka_vmtune.kafka is source."""
    namespace = tmp_path / "ansible_collections" / "kafka_vmtune"
    namespace.mkdir(parents=True)
    (namespace / "kafka").symlink_to(source, target_is_directory=True)
    return namespace / "kafka"


def test_the_collection_docs_pass_antsibull_docs_lint(tmp_path: Path) -> None:
    result = lint(tmp_path, collection_tree(tmp_path, REPO))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout


def test_a_module_whose_docs_break_the_schema_fails_the_lint(tmp_path: Path) -> None:
    source = tmp_path / "broken"
    (source / "plugins" / "modules").mkdir(parents=True)
    (source / "meta").mkdir()
    (source / "galaxy.yml").write_text(
        "namespace: kafka_vmtune\nname: kafka\nversion: 0.0.1\nreadme: README.md\n"
        "authors: [x]\nlicense: [Apache-2.0]\n",
        encoding="utf-8",
    )
    (source / "meta" / "runtime.yml").write_text("requires_ansible: '>=2.15'\n")
    # An option without a description, and a type ansible-doc does not know.
    (source / "plugins" / "modules" / "broken.py").write_text(
        'DOCUMENTATION = """\nmodule: broken\nshort_description: A module with broken docs\n'
        'description: [Broken.]\nauthor: [x]\noptions:\n  size:\n    type: sizes\n"""\n'
        'EXAMPLES = ""\nRETURN = ""\n',
        encoding="utf-8",
    )
    collections = tmp_path / "tree"
    result = lint(collections, collection_tree(collections, source))
    assert result.returncode != 0
    assert "broken.py" in result.stdout + result.stderr
