"""The roll's defaults are written once, in the settings table (ROLL_SETTINGS): the role's
defaults and argument specs, the modules' documentation and argument specs and the Python
RollSettings all agree with it. And the stand-in admin of the tests is reachable only
through the control node's environment, never through an inventory variable."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml
from repo import REPO

from kafka_vmtune.restart.admin import AdminError
from kafka_vmtune.restart.confluent_admin import ConfluentAdmin
from kafka_vmtune.restart.connect import TEST_ADMIN, connect
from kafka_vmtune.restart.machine import RollSettings
from kafka_vmtune.settings import ROLL_SETTINGS, parse

ROLE = REPO / "roles" / "rolling_restart"
# RollSettings field -> table name
FIELDS = {
    "gate_timeout": "restart_gate_timeout",
    "stop_timeout": "restart_stop_timeout",
    "start_timeout": "restart_start_timeout",
    "catchup_timeout": "restart_catchup_timeout",
    "election_timeout": "restart_election_timeout",
    "poll_interval": "restart_poll_interval",
    "controller_last": "restart_controller_last",
    "require_quorum": "restart_require_quorum",
}


def module_options(path: Path) -> dict[str, Any]:
    """The options of a module's DOCUMENTATION block."""
    tree = ast.parse(path.read_text())
    doc = next(
        n.value.value
        for n in tree.body
        if isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "DOCUMENTATION" for t in n.targets)
        and isinstance(n.value, ast.Constant)
    )
    options: dict[str, Any] = yaml.safe_load(doc)["options"]
    return options


def test_python_roll_settings_take_the_table_defaults() -> None:
    for field, name in FIELDS.items():
        assert getattr(RollSettings(), field) == ROLL_SETTINGS[name].default, field


def test_the_role_defaults_and_argument_specs_take_the_table_defaults() -> None:
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    checked = 0
    for setting in ROLL_SETTINGS.values():
        assert defaults[setting.var] == setting.default, setting.var
        for entry, spec in specs.items():
            option = (spec.get("options") or {}).get(setting.var)
            if option is not None:
                assert option.get("default") == setting.default, f"{entry}:{setting.var}"
                checked += 1
    assert checked >= len(ROLL_SETTINGS)


def test_the_roll_action_documents_the_table_defaults() -> None:
    module = "kafka_roll"
    options = module_options(REPO / "plugins" / "modules" / f"{module}.py")
    checked = 0
    for option, spec in options.items():
        name = f"restart_{option}" if f"restart_{option}" in ROLL_SETTINGS else option
        if name in ROLL_SETTINGS:
            assert spec.get("default") == ROLL_SETTINGS[name].default, f"{module}:{option}"
            checked += 1
    assert checked >= 3


def test_a_timeout_that_is_not_a_number_is_refused_by_name() -> None:
    with pytest.raises(Exception, match=r"kafka_vmtune_restart_gate_timeout: must be a number > 0"):
        parse("restart_gate_timeout", "soon")


def test_no_inventory_variable_or_module_option_selects_an_admin() -> None:
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    variables = {v for spec in specs.values() for v in spec.get("options") or {}}
    assert not [v for v in variables if "admin" in v or "factory" in v]
    options = module_options(REPO / "plugins" / "modules" / "kafka_roll.py")
    assert not [o for o in options if "admin" in o or "factory" in o]


def test_without_the_test_variable_the_roll_talks_to_kafka(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TEST_ADMIN, raising=False)
    admin = connect("127.0.0.1:1", {}, request_timeout=1)
    assert isinstance(admin, ConfluentAdmin)


def test_a_stand_in_that_cannot_be_imported_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEST_ADMIN, "no_such_module:Admin")
    with pytest.raises(AdminError, match=rf"{TEST_ADMIN}='no_such_module:Admin' cannot be"):
        connect("stand-in", {}, request_timeout=1)


def test_the_stand_in_is_built_like_the_real_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEST_ADMIN, "standin_admin:StandInAdmin")
    admin = connect("stand-in", {}, request_timeout=1)
    assert type(admin).__name__ == "StandInAdmin"
    assert admin.snapshot().brokers == {1, 2, 3}
