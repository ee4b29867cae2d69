"""docs/host-report.md names every key of the host report and its plan, as the typed
contract (kafka_vmtune.contracts) defines them, so the page cannot fall behind a new key."""

from __future__ import annotations

import re
from typing import get_type_hints

from markdown_pages import REPO

from kafka_vmtune import contracts


def page() -> str:
    return (REPO / "docs" / "host-report.md").read_text(encoding="utf-8")


def keys_table() -> dict[str, str]:
    """The first column of the host report's table: each key (or keys) and its row."""
    rows = {}
    for row in re.findall(r"^\| (`[^|]+) \|.*$", page(), re.M):
        for key in re.findall(r"`(\w+)`", row):
            rows[key] = row
    return rows


def test_every_top_level_key_of_the_host_report_has_a_row() -> None:
    missing = set(get_type_hints(contracts.HostReport)) - set(keys_table())
    assert missing == set()


def test_the_plan_and_sysctl_keys_are_named() -> None:
    text = page()
    for contract in (contracts.Plan, contracts.Sysctl, contracts.ChangeRecord):
        missing = [k for k in get_type_hints(contract) if f"`{k}`" not in text]
        assert missing == [], contract.__name__


def test_the_schema_number_on_the_page_is_the_contract_s() -> None:
    assert f"schema {contracts.SCHEMA}" in page().lower()
