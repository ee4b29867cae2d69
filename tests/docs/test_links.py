"""The README fits the first ten minutes and every page of docs/ is reachable from it; no
link in the README or docs/ leads to a missing file or heading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_pages import PAGES, REPO, anchors, links

README_MAX_LINES = 250


def test_the_readme_is_at_most_250_lines() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


@pytest.mark.parametrize("index", ["README.md", "docs/README.md"])
def test_every_docs_page_is_linked_from_the_readme_and_the_docs_index(index: str) -> None:
    page = REPO / index
    linked = {(page.parent / target).resolve() for target, _ in links(page)}
    missing = [
        str(p.relative_to(REPO))
        for p in sorted((REPO / "docs").glob("*.md"))
        if p.resolve() not in linked and p.resolve() != page.resolve()
    ]
    assert missing == [], f"{index} does not link to {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(page: Path) -> None:
    broken = []
    for target, anchor in links(page):
        dest = (page.parent / target).resolve() if target else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}#{anchor}: no such heading in {dest.name}")
    assert broken == []


def test_the_slugs_are_the_ones_the_forges_make(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Real-cluster runs (KAFKA_HOME)\n\n## Plan file (`kafka-vmtune plan --file`)\n\n"
        "```bash\n# not a heading\n```\n\n## Tests\n\n## Tests\n",
        encoding="utf-8",
    )
    assert anchors(page) == {
        "real-cluster-runs-kafka_home",
        "plan-file-kafka-vmtune-plan---file",
        "tests",
        "tests-1",
    }


def test_links_outside_the_repository_are_not_followed(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "[a](https://example.org/x.md) [b](other.md#part) [c](#here) `[d](code.md)`\n",
        encoding="utf-8",
    )
    assert links(page) == [("other.md", "part"), ("", "here")]
    assert re.search(r"\bcode\.md\b", page.read_text())  # present, but inside code
