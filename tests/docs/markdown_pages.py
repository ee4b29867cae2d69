"""The user's manual as the docs tests read it: the README and docs/*.md, their headings'
anchors as GitHub and GitLab make them, their relative links, fenced blocks and commands."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~)(\S*)\s*$")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
INLINE_CODE = re.compile(r"`[^`]*`")


def blocks(text: str) -> list[tuple[str, str, int]]:
    """Every fenced block as (info string, body, line number of its opening fence)."""
    found: list[tuple[str, str, int]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i].strip())
        if not opening:
            i += 1
            continue
        body: list[str] = []
        j = i + 1
        while j < len(lines) and lines[j].strip() != opening.group(1):
            body.append(lines[j])
            j += 1
        found.append((opening.group(2), "\n".join(body), i + 1))
        i = j + 1
    return found


def prose(text: str) -> str:
    """text without its fenced blocks (the lines are kept, emptied, so numbers still match)."""
    out: list[str] = []
    inside = ""
    for line in text.split("\n"):
        fence = FENCE.match(line.strip())
        if fence and not inside:
            inside = fence.group(1)
            out.append("")
        elif inside and line.strip() == inside:
            inside = ""
            out.append("")
        else:
            out.append("" if inside else line)
    return "\n".join(out)


def slug(heading: str) -> str:
    """The anchor a forge makes of a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    result: set[str] = set()
    for line in prose(page.read_text(encoding="utf-8")).split("\n"):
        heading = re.match(r"^#{1,6} (.+)$", line)
        if not heading:
            continue
        base = slug(heading.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        result.add(base if n == 0 else f"{base}-{n}")
    return result


def links(page: Path) -> list[tuple[str, str]]:
    """Relative links of a page outside code, as (path, anchor); web addresses left out."""
    text = INLINE_CODE.sub("", prose(page.read_text(encoding="utf-8")))
    found: list[tuple[str, str]] = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        found.append((path, anchor))
    return found
