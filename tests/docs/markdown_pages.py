"""The user's manual as the docs tests read it: the README and docs/*.md, their headings'
anchors as GitHub and GitLab make them, their relative links, fenced blocks and commands."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from repo import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def run(
    argv: Sequence[str | Path],
    *,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """A tool the docs tests drive, its output captured; the test reads the exit code."""
    return subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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


# Where a command starts, in a code span of prose or a line of a shell block.
PROGRAMS = (
    "./run.sh",
    "ansible-playbook",
    "ansible-galaxy",
    "ansible-doc",
    "kafka-vmtune",
    "pip",
    "python3",
    ". .venv/bin/activate",
    ".venv/bin/",
    "molecule",
    "pytest",
)
ENV_PREFIX = re.compile(r"^(?:[A-Z_]+=\S+\s+)+")


def paragraphs(text: str) -> list[tuple[int, str]]:
    """The blocks of lines between blank lines, as (number of the first line, text)."""
    found: list[tuple[int, str]] = []
    lines: list[str] = []
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        if line.strip():
            lines.append(line)
        elif lines:
            found.append((number - len(lines), "\n".join(lines)))
            lines = []
    return found


def commands(page: Path) -> list[tuple[int, str]]:
    """Every command a page tells its reader to type, as (line number, command): each line of
    a bash block (comments dropped), and each code span of prose that starts with a program of
    PROGRAMS, with the option spans that follow it in its paragraph or table row, e.g.
    `kafka-vmtune inspect` (`--json`)."""
    text = page.read_text(encoding="utf-8")
    found: list[tuple[int, str]] = []
    for info, body, start in blocks(text):
        if info not in ("bash", "sh", "shell"):
            continue
        for offset, line in enumerate(body.split("\n"), start=1):
            command = line.split(" # ")[0].strip()
            if command and not command.startswith("#"):
                found.append((start + offset, command))
    for number, paragraph in paragraphs(prose(text)):
        current: tuple[int, str] | None = None
        end = 0
        for span in re.finditer(r"`([^`]+)`", paragraph):
            code = " ".join(span.group(1).split())
            line = number + paragraph.count("\n", 0, span.start())
            new_row = "\n|" in paragraph[end : span.start()]
            end = span.end()
            if ENV_PREFIX.sub("", code).startswith(PROGRAMS):
                if current:
                    found.append(current)
                current = (line, code)
            elif current and code.startswith("-") and not new_row:
                current = (current[0], f"{current[1]} {code}")
        if current:
            found.append(current)
    return found
