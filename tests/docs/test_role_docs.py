"""docs/variables.md's role reference is generated from the roles' argument specs
(tools/role_docs.py), so a variable is described once and the docs cannot drift."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from markdown_pages import run
from repo import REPO

TOOL = REPO / "tools" / "role_docs.py"
DOC = REPO / "docs" / "variables.md"


def role_docs(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, TOOL, *args], timeout=60)


def block(doc: str) -> str:
    inside = doc.split("<!-- role-docs:begin -->", maxsplit=1)[1]
    return inside.split("<!-- role-docs:end -->", maxsplit=1)[0]


def copy_of_checkout(tmp_path: Path) -> tuple[Path, Path]:
    """docs/variables.md and roles/ in tmp_path, for a spec change the checkout never sees."""
    shutil.copytree(REPO / "roles", tmp_path / "roles")
    shutil.copy(DOC, tmp_path / "variables.md")
    return tmp_path / "variables.md", tmp_path / "roles"


def test_the_role_reference_is_up_to_date() -> None:
    result = role_docs("--check")
    assert result.returncode == 0, (
        "docs/variables.md's role reference differs from roles/*/meta/argument_specs.yml; "
        f"regenerate it with: python tools/role_docs.py\n{result.stderr}"
    )


def test_every_option_of_every_role_is_in_the_reference() -> None:
    text = block(DOC.read_text(encoding="utf-8"))
    for spec_file in sorted((REPO / "roles").glob("*/meta/argument_specs.yml")):
        role = spec_file.parent.parent.name
        assert f"### {role}\n" in text, role
        section = text.split(f"### {role}\n")[1].split("\n### ")[0]
        specs = yaml.safe_load(spec_file.read_text())["argument_specs"]
        for entry in specs.values():
            for name in entry.get("options") or {}:
                assert f"| `{name}` |" in section, f"{role}: {name}"


def test_a_changed_spec_makes_the_check_fail_with_the_command_then_regenerates(
    tmp_path: Path,
) -> None:
    doc, roles = copy_of_checkout(tmp_path)
    spec_file = roles / "vm_max_map_count" / "meta" / "argument_specs.yml"
    spec = yaml.safe_load(spec_file.read_text())
    live = spec["argument_specs"]["main"]["options"]["kafka_vmtune_apply_live"]
    live["default"] = False
    spec["argument_specs"]["main"]["options"]["kafka_vmtune_new_knob"] = {
        "type": "int",
        "choices": [1, 2],
        "description": "A new | knob.",
    }
    spec_file.write_text(yaml.safe_dump(spec))

    stale = role_docs("--check", "--doc", doc, "--roles", roles)
    assert stale.returncode == 1
    assert "python tools/role_docs.py" in stale.stderr
    assert doc.read_text() == DOC.read_text(), "--check changed the document"

    assert role_docs("--doc", doc, "--roles", roles).returncode == 0
    section = block(doc.read_text()).split("### vm_max_map_count\n")[1].split("\n### ")[0]
    assert f"| `kafka_vmtune_apply_live` | {live['type']} | `false` | all |" in section
    assert "| `kafka_vmtune_new_knob` | int: `1`, `2` |  | all | A new \\| knob. |" in section
    assert role_docs("--check", "--doc", doc, "--roles", roles).returncode == 0
    # Only the generated block changed.
    before, after = DOC.read_text(), doc.read_text()
    assert before.split("<!-- role-docs:begin -->")[0] == after.split("<!-- role-docs:begin -->")[0]
    assert before.split("<!-- role-docs:end -->")[1] == after.split("<!-- role-docs:end -->")[1]


def test_a_document_without_markers_is_refused_unchanged(tmp_path: Path) -> None:
    doc, roles = copy_of_checkout(tmp_path)
    doc.write_text("# no markers here\n")
    result = role_docs("--doc", doc, "--roles", roles)
    assert result.returncode == 2
    assert "<!-- role-docs:begin -->" in result.stderr
    assert doc.read_text() == "# no markers here\n"
