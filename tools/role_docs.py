#!/usr/bin/env python3
"""Render the roles' argument specs (roles/*/meta/argument_specs.yml) into docs/variables.md.

The role reference lives between the markers below and is only ever written by this
script, so a variable is described once, in its argument spec:

    python tools/role_docs.py           # rewrite the block in docs/variables.md
    python tools/role_docs.py --check   # exit 1 when docs/variables.md is out of date (CI)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
BEGIN = "<!-- role-docs:begin -->"
END = "<!-- role-docs:end -->"
REGENERATE = "python tools/role_docs.py"
DOC = REPO / "docs" / "variables.md"
# Roles in the order a run uses them; any other role follows alphabetically.
ORDER = ("kafka_facts", "vm_max_map_count", "broker_limits", "capacity_report", "rolling_restart")


class DocsError(Exception):
    """A document or argument spec this script cannot work with."""


@dataclass
class Option:
    name: str
    spec: dict[str, Any]
    entry_points: list[str] = field(default_factory=list)


def plain(text: object) -> str:
    """A description (string or list of strings) as one Markdown table-safe line."""
    parts = text if isinstance(text, list) else [text]
    joined = " ".join(" ".join(str(p).split()) for p in parts if p is not None)
    return joined.replace("|", "\\|")


def literal(value: object) -> str:
    """A default value as YAML would spell it, in backticks."""
    if isinstance(value, str):
        return f'`"{value}"`' if value == "" else f"`{value}`"
    dumped = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
    return f"`{dumped.removesuffix('...').strip()}`"


def type_cell(spec: dict[str, Any]) -> str:
    kind = str(spec.get("type", "str"))
    if "elements" in spec:
        kind = f"{kind} of {spec['elements']}"
    if "choices" in spec:
        kind += ": " + ", ".join(f"`{c}`" for c in spec["choices"])
    return kind


def default_cell(spec: dict[str, Any]) -> str:
    if spec.get("required"):
        return "required"
    return literal(spec["default"]) if "default" in spec else ""


def load_specs(role_dir: Path) -> dict[str, Any]:
    path = role_dir / "meta" / "argument_specs.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = doc.get("argument_specs") if isinstance(doc, dict) else None
    if not isinstance(specs, dict) or "main" not in specs:
        raise DocsError(f"{path}: no argument_specs.main entry point")
    return specs


def options_of(specs: dict[str, Any]) -> list[Option]:
    """Every option of every entry point, first definition wins (main first)."""
    merged: dict[str, Option] = {}
    for entry, spec in specs.items():
        for name, opt in ((spec or {}).get("options") or {}).items():
            merged.setdefault(name, Option(name, opt or {})).entry_points.append(entry)
    return list(merged.values())


def render_role(name: str, specs: dict[str, Any]) -> list[str]:
    main = specs["main"]
    summary = plain(main.get("short_description", "")).rstrip(".")
    lines = [f"### {name}", "", f"{summary}.", ""]
    for item in main.get("description") or []:
        lines.append(f"- {plain(item)}")
    if main.get("description"):
        lines.append("")
    lines += [f"Entry points: {', '.join(f'`{e}`' for e in specs)}.", ""]
    lines += ["| variable | type | default | entry points | description |", "|---|---|---|---|---|"]
    for opt in options_of(specs):
        where = "all" if len(opt.entry_points) == len(specs) else ", ".join(opt.entry_points)
        cells = [f"`{opt.name}`", type_cell(opt.spec), default_cell(opt.spec), where]
        lines.append(f"| {' | '.join(cells)} | {plain(opt.spec.get('description', ''))} |")
    return [*lines, ""]


def role_dirs(roles: Path) -> list[Path]:
    found = sorted(p.parent.parent for p in roles.glob("*/meta/argument_specs.yml"))
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(found, key=lambda p: (rank.get(p.name, len(ORDER)), p.name))


def render(roles: Path) -> str:
    """The generated block, markers included."""
    lines = [
        BEGIN,
        f"<!-- Generated from roles/*/meta/argument_specs.yml by `{REGENERATE}`; do not edit. -->",
        "",
    ]
    for role in role_dirs(roles):
        lines += render_role(role.name, load_specs(role))
    return "\n".join([*lines, END])


def updated(doc: str, block: str) -> str:
    """doc with the text between the markers replaced by block."""
    if doc.count(BEGIN) != 1 or doc.count(END) != 1:
        raise DocsError(f"the document must hold exactly one {BEGIN} and one {END}")
    head, rest = doc.split(BEGIN)
    _, tail = rest.split(END)
    return head + block + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report an out-of-date document")
    parser.add_argument("--doc", type=Path, default=DOC, help="the document holding the markers")
    parser.add_argument("--roles", type=Path, default=REPO / "roles")
    args = parser.parse_args(argv)
    try:
        current = args.doc.read_text(encoding="utf-8")
        expected = updated(current, render(args.roles))
    except (OSError, yaml.YAMLError, DocsError) as exc:
        print(f"role_docs: {exc}", file=sys.stderr)
        return 2
    if expected == current:
        return 0
    if args.check:
        print(
            f"{args.doc} is out of date with {args.roles}/*/meta/argument_specs.yml; "
            f"regenerate it with: {REGENERATE}",
            file=sys.stderr,
        )
        return 1
    args.doc.write_text(expected, encoding="utf-8")
    print(f"updated {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
