"""One word per meaning (docs/glossary.md): the words host report schema 3 retired stay out
of everything shipped, so a report, a message or a variable cannot bring them back.

The retired words and what replaced them are in changelogs/fragments/18-vocabulary.yml.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from repo import REPO

# Shipped: the package, the collection's plugins, roles and playbooks.
SHIPPED = ("python/kafka_vmtune", "plugins", "roles", "playbooks", "tune-vm.yml", "meta")
SUFFIXES = {".py", ".yml", ".yaml", ".j2", ".md"}

# Retired quantity words: `target`, `required`, `recommended`, `fixed` and `live` took over.
# An underscore separates words here: `restart_needed` is caught by `needed`. Lower case
# only: Kafka's own error ELECTION_NOT_NEEDED is not our word.
RETIRED_WORDS = re.compile(
    r"(?<![a-zA-Z0-9])(wanted|needed|current_max_map_count|kproc)(?![a-z0-9])"
)
# Retired keys: `current` and `limit` meant the live value (now `live`).
RETIRED_KEYS = re.compile(r"""\[\s*["'](current|limit)["']\s*\]|["'](current|limit)["']\s*:""")


def shipped_files() -> list[Path]:
    files: list[Path] = []
    for name in SHIPPED:
        base = REPO / name
        found = [base] if base.is_file() else sorted(base.rglob("*"))
        files += [p for p in found if p.is_file() and p.suffix in SUFFIXES]
    return files


def test_the_shipped_tree_is_scanned() -> None:
    names = {p.name for p in shipped_files()}
    assert {"plan.py", "kafka_roll.py", "tune-vm.yml", "main.yml"} <= names


@pytest.mark.parametrize("pattern", [RETIRED_WORDS, RETIRED_KEYS], ids=["words", "keys"])
def test_no_retired_word_is_left_in_shipped_code(pattern: re.Pattern[str]) -> None:
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in shipped_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("line", "pattern"),
    [
        ('    "wanted": plan.target,', RETIRED_WORDS),
        ("kafka_vmtune_restart_needed: true", RETIRED_WORDS),
        ('rec["current"]', RETIRED_KEYS),
        ('{"limit": 65530}', RETIRED_KEYS),
    ],
    ids=["key-word", "variable", "key-read", "key-written"],
)
def test_the_check_catches_a_retired_word(line: str, pattern: re.Pattern[str]) -> None:
    assert pattern.search(line)
