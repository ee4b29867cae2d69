"""The docs' diagrams are Mermaid that Mermaid's own parser accepts (the package the forges
render with, run under node), so a diagram never shows as a syntax error to a reader."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest
from markdown_pages import PAGES, REPO, blocks, run

PARSER = REPO / "tests" / "docs" / "mermaid" / "parse.mjs"
MODULES = REPO / ".cache" / "mermaid"  # run.sh's setup_node installs the pinned packages here
BROKEN = "flowchart LR\n    broker --> "

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(
        shutil.which("node") is None,
        reason="node is not installed: the Mermaid diagrams are parsed by Mermaid under node",
    ),
]


def diagrams() -> dict[str, str]:
    """Every ```mermaid block of the README and docs/, by page and line."""
    found = {}
    for page in PAGES:
        for info, body, line in blocks(page.read_text(encoding="utf-8")):
            if info == "mermaid":
                found[f"{page.relative_to(REPO)}:{line}"] = body
    return found


def parse(sources: dict[str, str]) -> dict[str, dict[str, Any]]:
    if not (MODULES / "node_modules" / "mermaid").is_dir():
        pytest.fail(f"Mermaid is not installed in {MODULES}: run ./run.sh test (its setup_node)")
    diagrams = json.dumps([{"name": k, "source": v} for k, v in sources.items()])
    result = run(["node", PARSER, MODULES], stdin=diagrams, timeout=120)
    assert result.returncode == 0, result.stderr
    return {r["name"]: r for r in json.loads(result.stdout)}


def test_the_roll_and_the_model_have_their_diagrams() -> None:
    kinds = {name.split(":")[0]: body.split()[0] for name, body in diagrams().items()}
    assert kinds.get("docs/rolling-restart.md") == "sequenceDiagram"
    assert kinds.get("docs/model.md") == "flowchart"


def test_every_diagram_parses_and_a_broken_one_does_not() -> None:
    sources = diagrams()
    results = parse({**sources, "a broken diagram": BROKEN})
    failed = {n: r["error"] for n, r in results.items() if n in sources and not r["ok"]}
    assert failed == {}
    assert set(results) == {*sources, "a broken diagram"}
    assert not results["a broken diagram"]["ok"]
    assert "Parse error" in results["a broken diagram"]["error"]
