"""One settings table: the CLI, the modules, the playbooks' check and the roles' docs agree."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import yaml
from repo import REPO

from kafka_vmtune import settings
from kafka_vmtune.errors import InputError


def test_defaults_are_valid_settings() -> None:
    parsed = settings.parse_all({})
    assert parsed["headroom"] == 1.5
    assert parsed["floor"] == 262144
    assert parsed["sysctl_file"] == "/etc/sysctl.d/60-kafka-vmtune.conf"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("headroom", "abc", "kafka_vmtune_headroom: must be a number >= 1 and <= 100, got 'abc'"),
        ("headroom", 0.5, "kafka_vmtune_headroom: must be a number >= 1 and <= 100, got 0.5"),
        ("floor", "1e3x", "kafka_vmtune_floor: must be a whole number >= 0"),
        ("critical_ratio", 0, "kafka_vmtune_critical_ratio: must be a number > 0 and <= 1"),
        (
            "sysctl_file",
            "/etc/sysctl.d/x",
            "kafka_vmtune_sysctl_file: must be an absolute path ending in .conf",
        ),
        (
            "sysctl_file",
            "/etc/sysctl.d/../../x.conf",
            "kafka_vmtune_sysctl_file: must be an absolute path ending in .conf"
            " (systemd-sysctl reads no other name), a file directly in /etc/sysctl.d,",
        ),
        ("sysctl_file", "/etc/x.conf", "kafka_vmtune_sysctl_file: must be an absolute path"),
        ("service_name", "../../x", "kafka_vmtune_service_name: must be a systemd unit name"),
        ("unit", "a/b.service", "kafka_vmtune_unit: must be a systemd unit name"),
        ("apply_live", "maybe", "kafka_vmtune_apply_live: must be true or false"),
        ("max_map_count", 1000, "kafka_vmtune_max_map_count: must be a whole number >= 65530"),
    ],
)
def test_a_bad_value_names_the_variable_its_rule_and_the_value(
    name: str, value: Any, message: str
) -> None:
    with pytest.raises(InputError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        settings.parse(name, value)


def test_a_non_number_and_an_out_of_range_number_get_the_same_words() -> None:
    def words(value: Any) -> str:
        with pytest.raises(InputError) as e:
            settings.parse("headroom", value)
        return str(e.value).rsplit(", got", 1)[0]

    assert words("abc") == words(0.5) == words(1000)


def test_strings_from_the_inventory_are_typed() -> None:
    assert settings.parse("headroom", "2") == 2.0
    assert settings.parse("floor", "300000") == 300000
    assert settings.parse("apply_live", "no") is False


def test_warn_above_critical_is_refused_with_both_names() -> None:
    errors = settings.errors_in(
        {"kafka_vmtune_warn_ratio": 0.95, "kafka_vmtune_critical_ratio": "0.9"}
    )
    assert errors == [
        "kafka_vmtune_warn_ratio: must not exceed kafka_vmtune_critical_ratio (0.9), got 0.95"
    ]


def test_role_argument_specs_document_the_same_defaults() -> None:
    """Every kafka_vmtune_<setting> a role documents has the table's default and type raw."""
    by_var = {s.var: s for s in settings.SETTINGS.values()}
    seen = 0
    for spec_file in sorted(REPO.glob("roles/*/meta/argument_specs.yml")):
        specs = yaml.safe_load(spec_file.read_text())["argument_specs"]
        for entry, spec in specs.items():
            for var, opt in (spec.get("options") or {}).items():
                s = by_var.get(var)
                if s is None:
                    continue
                seen += 1
                where = f"{spec_file.parent.parent.name}:{entry}:{var}"
                assert opt.get("default") == s.default, where
                # raw: the table gives the error for a wrong type, not Ansible's generic one
                strings = ("str", "unit")
                assert opt["type"] == "raw" or (s.kind in strings and opt["type"] == "str"), where
    assert seen >= 10


def test_the_cli_uses_the_table_and_speaks_options() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "kafka_vmtune.cli", "inspect", "--headroom", "abc"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "kafka-vmtune: error: --headroom: must be a number >= 1 and <= 100, got 'abc'"
    )


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("kafka_vmtune_dropin_name", "../x.conf"),
        ("kafka_vmtune_dropin_name", "60-kafka-vmtune"),
        ("kafka_vmtune_systemd_dir", "/etc/systemd/system/../../tmp"),
        ("kafka_vmtune_service_name", "../../etc/x"),
        ("kafka_vmtune_sysctl_file", "/etc/sysctl.d/../../x.conf"),
    ],
)
def test_names_are_names_and_paths_do_not_leave_their_directory(var: str, value: str) -> None:
    (error,) = settings.errors_in({var: value})
    assert error.startswith(f"{var}: must be") and repr(value) in error


def test_a_misspelt_variable_is_an_error_naming_the_closest_known_one() -> None:
    from kafka_vmtune import variables

    assert variables.errors({"kafka_vmtune_headrom": 2, "kafka_vmtune_restart_polcy": "x"}) == [
        "kafka_vmtune_headrom: not a kafka-vmtune variable, it would be ignored;"
        " did you mean kafka_vmtune_headroom?",
        "kafka_vmtune_restart_polcy: not a kafka-vmtune variable, it would be ignored;"
        " did you mean kafka_vmtune_restart_policy?",
    ]


def test_the_known_variables_come_from_the_settings_and_argument_specs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A setting added to the table (or an option to an argument spec) is known at once."""
    from kafka_vmtune import variables

    known = variables.known_variables()
    assert {s.var for s in settings.SETTINGS.values()} <= known
    monkeypatch.setitem(
        settings.SETTINGS, "restart_batzh", settings.Setting("restart_batzh", "int", 1, low=1)
    )
    variables.known_variables.cache_clear()
    try:
        assert variables.errors({"kafka_vmtune_restart_batzh": 2}) == []
    finally:
        variables.known_variables.cache_clear()


def test_every_variable_the_inventories_tests_and_scenarios_set_is_known() -> None:
    import re

    from sandbox_tree import SAFE_VARS

    from kafka_vmtune import variables

    used = set(SAFE_VARS)
    for pattern in ("inventory/**/*.yml", "molecule/**/*.yml", "tests/**/playbooks/*.yml"):
        for path in REPO.glob(pattern):
            used |= set(re.findall(r"^\s*(kafka_vmtune_[a-z_]+):", path.read_text(), re.M))
    assert variables.unknown_variable_errors(used, variables.known_variables()) == []
