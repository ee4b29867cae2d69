"""CHANGELOG.md is antsibull-changelog's: built from changelogs/changelog.yaml and the
fragments in changelogs/fragments/, which its linter accepts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from markdown_pages import REPO, run

TOOL = Path(sys.executable).parent / "antsibull-changelog"


def changelog(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run([TOOL, *args], cwd=cwd, timeout=120)


def copy_of_changelog(tmp_path: Path) -> Path:
    """The files antsibull-changelog reads, in a collection root of their own."""
    shutil.copy(REPO / "galaxy.yml", tmp_path / "galaxy.yml")
    shutil.copytree(REPO / "changelogs", tmp_path / "changelogs")
    return tmp_path


def test_the_fragments_and_the_changelog_pass_antsibull_changelog_lint() -> None:
    result = changelog("lint", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    result = changelog("lint-changelog-yaml", "changelogs/changelog.yaml", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_changelog_md_is_what_antsibull_changelog_generates(tmp_path: Path) -> None:
    root = copy_of_changelog(tmp_path)
    result = changelog("generate", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "CHANGELOG.md").read_text(encoding="utf-8") == (REPO / "CHANGELOG.md").read_text(
        encoding="utf-8"
    ), "CHANGELOG.md was edited by hand or is stale; run: antsibull-changelog generate"


def test_the_history_before_the_fragments_is_kept() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    for release in ("v0\\.1\\.0", "v0\\.2\\.0"):
        assert f"## {release}" in text
    assert "kafka\\-vmtune diagnose" in text


def test_a_fragment_in_an_unknown_section_fails_the_lint(tmp_path: Path) -> None:
    root = copy_of_changelog(tmp_path)
    (root / "changelogs" / "fragments" / "bad.yml").write_text(
        "---\nnew_stuff:\n  - A section antsibull-changelog does not know.\n", encoding="utf-8"
    )
    result = changelog("lint", cwd=root)
    assert result.returncode != 0
    assert "bad.yml" in result.stdout + result.stderr
