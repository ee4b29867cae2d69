"""Every tuning setting once: its default, its bounds and its error message.

The CLI, the Ansible modules (their argument_spec and validation) and the playbooks'
up-front settings check all read this table, so a value accepted in one place is accepted
everywhere, with the same words. Role argument_specs document the same defaults; a test
compares them. Standard library only (shipped to broker hosts).
"""

from __future__ import annotations

import math
import os
import re
from typing import Any, Mapping, NamedTuple, Union

from .defaults import INT_MAX, KERNEL_MAX_MAP_COUNT
from .errors import InputError
from .facts.sysctl_config import CONF_DIRS
from .sizing.model import DEFAULT_HEADROOM, DEFAULT_LEAK_FRACTION
from .sizing.recommend import DEFAULT_CONNECTIONS, DEFAULT_CRITICAL, DEFAULT_FLOOR, DEFAULT_WARN

Value = Union[None, bool, int, float, str]


class Setting(NamedTuple):
    name: str  # without the kafka_vmtune_ prefix the inventory uses
    kind: str  # "int", "float", "bool", "path", "conf", "unit", "str"
    default: Value
    low: float | None = None
    high: float | None = None
    nullable: bool = False
    low_open: bool = False  # low itself is not allowed
    help: str = ""

    @property
    def var(self) -> str:
        return f"kafka_vmtune_{self.name}"

    def _fmt(self, bound: float) -> str:
        return str(int(bound)) if self.kind == "int" else f"{bound:g}"

    def rule(self) -> str:
        if self.kind in ("int", "float"):
            noun = "a whole number" if self.kind == "int" else "a number"
            low = (
                ""
                if self.low is None
                else f"{'>' if self.low_open else '>='} {self._fmt(self.low)}"
            )
            high = "" if self.high is None else f"<= {self._fmt(self.high)}"
            bounds = " and ".join(b for b in (low, high) if b)
            text = f"must be {noun}" + (f" {bounds}" if bounds else "")
        elif self.kind == "bool":
            text = "must be true or false"
        elif self.kind == "conf":
            text = (
                "must be an absolute path ending in .conf (systemd-sysctl reads no other name),"
                f" a file directly in {', '.join(CONF_DIRS)}, without '..' or '.'"
            )
        elif self.kind == "path":
            text = "must be an absolute path"
        elif self.kind == "unit":
            text = f"must be a systemd unit name ({_NAME_RULE})"
        else:
            text = "must be a non-empty string"
        return text + (" or null" if self.nullable else "")


# A name is a name: a systemd unit or a file in a directory, never a path that leaves it.
_NAME = re.compile(r"[A-Za-z0-9:_.@\\-]{1,255}")
_NAME_RULE = "letters, digits and :_.@-\\ only, no '/', not '.' or '..'"


def is_name(value: object) -> bool:
    return isinstance(value, str) and bool(_NAME.fullmatch(value)) and value not in (".", "..")


def is_normal_path(value: str) -> bool:
    """Absolute and already normalised: no '..', '.', '//' or trailing '/' to resolve."""
    return os.path.isabs(value) and os.path.normpath(value) == value and not value.startswith("//")


def _s(name: str, kind: str, default: Value, **kw: Any) -> tuple[str, Setting]:
    return name, Setting(name, kind, default, **kw)


SETTINGS: dict[str, Setting] = dict(
    [
        _s(
            "headroom",
            "float",
            DEFAULT_HEADROOM,
            low=1,
            high=100,
            help="factor on the modelled need",
        ),
        _s("floor", "int", DEFAULT_FLOOR, low=0, high=INT_MAX, help="recommend at least this"),
        _s(
            "warn_ratio",
            "float",
            DEFAULT_WARN,
            low=0,
            high=1,
            low_open=True,
            help="warn at this use",
        ),
        _s(
            "critical_ratio",
            "float",
            DEFAULT_CRITICAL,
            low=0,
            high=1,
            low_open=True,
            help="critical at",
        ),
        _s(
            "leak_fraction",
            "float",
            DEFAULT_LEAK_FRACTION,
            low=0,
            high=10,
            help="share of rolls still leaked",
        ),
        _s(
            "connections",
            "int",
            DEFAULT_CONNECTIONS,
            low=0,
            high=10_000_000,
            help="client connections",
        ),
        _s(
            "max_map_count",
            "int",
            None,
            low=KERNEL_MAX_MAP_COUNT,
            high=INT_MAX,
            nullable=True,
            help="a fixed value instead of the model's recommendation",
        ),
        _s("sysctl_file", "conf", "/etc/sysctl.d/60-kafka-vmtune.conf", help="our sysctl.d file"),
        _s("root", "path", "/", help="filesystem root the files are read and written under"),
        _s("proc", "path", "/proc", help="procfs mount"),
        _s("pid", "int", None, low=1, high=INT_MAX, nullable=True, help="the broker's PID"),
        _s("unit", "unit", None, nullable=True, help="the broker's systemd unit"),
        _s("service_name", "unit", "kafka", help="the unit when nothing else names it"),
        _s(
            "crash_days",
            "float",
            7,
            low=0,
            high=3650,
            help="report broker crashes of the last N days (0: do not look)",
        ),
        _s("server_properties", "path", None, nullable=True, help="the broker's config file"),
        _s("apply_live", "bool", True, help="raise the live value too"),
        _s("verify_boot", "bool", True, help="fail when the value would not survive a reboot"),
        _s("manage_nofile", "bool", False, help="manage LimitNOFILE in a unit drop-in"),
        _s(
            "nofile", "int", None, low=1024, high=2**30 - 8, nullable=True, help="fixed LimitNOFILE"
        ),
        _s(
            "malloc_arena_max",
            "int",
            None,
            low=1,
            high=64,
            nullable=True,
            help="MALLOC_ARENA_MAX for the broker (fewer map areas)",
        ),
    ]
)

# The rolling restart's settings (control node): the role's defaults, its argument_specs,
# the kafka_roll action and restart.machine.RollSettings all take their defaults from
# here; a test compares them. Seconds unless said otherwise.
ROLL_SETTINGS: dict[str, Setting] = dict(
    [
        _s("restart_gate_timeout", "float", 300, low=0, high=86400, low_open=True,
           help="wait for the gate (and the final check) before giving up"),
        _s("restart_stop_timeout", "float", 120, low=0, high=86400, low_open=True,
           help="after systemctl stop returned: the main PID gone"),
        _s("restart_start_timeout", "float", 600, low=0, high=86400, low_open=True,
           help="after start: registered and unfenced (log recovery included)"),
        _s("restart_catchup_timeout", "float", 1800, low=0, high=86400, low_open=True,
           help="after registration: back in the ISR of every hosted partition"),
        _s("restart_election_timeout", "float", 120, low=0, high=86400, low_open=True,
           help="preferred election and its verification"),
        _s("restart_poll_interval", "float", 1, low=0, high=3600, low_open=True,
           help="longest pause between two polls (they start 0.1 s apart and double)"),
        _s("restart_request_timeout", "float", 30, low=0, high=3600, low_open=True,
           help="per admin request"),
        _s("controlled_shutdown_budget", "float", 300, low=0, high=86400,
           help="warn when the unit's TimeoutStopSec is shorter"),
        _s("restart_controller_last", "bool", True, help="restart the active controller last"),
        _s("restart_require_quorum", "bool", False,
           help="block the gate when the KRaft quorum cannot be read"),
    ]
)  # fmt: skip


def roll_default(name: str) -> float:
    """A numeric roll default from ROLL_SETTINGS (for signatures and dataclass fields)."""
    return float(number(ROLL_SETTINGS[name].default))


_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def truth(value: object) -> bool | None:
    """True or false as Ansible's `bool` reads it, without its guesses: None if neither."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, (str, int)) else None
    return None if text not in _TRUE + _FALSE else text in _TRUE


def _number(setting: Setting, value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError
    if setting.kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        return int(str(value).strip())
    return float(value) if not isinstance(value, str) else float(value.strip())


def parse(name: str, value: Any) -> Value:
    """The setting's typed value (None -> its default); InputError naming the variable."""
    setting = SETTINGS[name] if name in SETTINGS else ROLL_SETTINGS[name]
    blank = value is None or (isinstance(value, str) and not value.strip() and setting.nullable)
    if blank and (setting.nullable or setting.default is not None):
        return setting.default
    bad = InputError(f"{setting.var}: {setting.rule()}, got {value!r}")
    if setting.kind in ("int", "float"):
        try:
            number = _number(setting, value)
        except (TypeError, ValueError):
            raise bad from None
        if math.isnan(number):
            raise bad
        too_low = setting.low is not None and (
            number <= setting.low if setting.low_open else number < setting.low
        )
        if too_low or (setting.high is not None and number > setting.high):
            raise bad
        return number
    if setting.kind == "bool":
        answer = truth(value)
        if answer is None:
            raise bad
        return answer
    if not isinstance(value, str) or not value.strip():
        raise bad
    if setting.kind in ("path", "conf") and not os.path.isabs(value):
        raise bad
    if setting.kind == "conf" and not (
        value.endswith(".conf") and is_normal_path(value) and os.path.dirname(value) in CONF_DIRS
    ):
        raise bad
    if setting.kind == "unit" and not is_name(value):
        raise bad
    return value


# Variables of the roles that name a file inside a directory the role chooses, or that
# directory: checked with the settings, so that no '../' carries a write elsewhere.
FILE_NAMES = {"kafka_vmtune_dropin_name": ".conf"}
DIRECTORIES = ("kafka_vmtune_systemd_dir",)


def name_errors(variables: Mapping[str, Any]) -> list[str]:
    """Problems with the file names and directories among the variables."""
    errors = []
    for var, suffix in FILE_NAMES.items():
        value = variables.get(var)
        if var in variables and not (is_name(value) and str(value).endswith(suffix)):
            errors.append(
                f"{var}: must be a file name ending in {suffix} ({_NAME_RULE}), got {value!r}"
            )
    for var in DIRECTORIES:
        value = variables.get(var)
        if var in variables and not (isinstance(value, str) and is_normal_path(value)):
            errors.append(
                f"{var}: must be an absolute path without '..', '.' or '//', got {value!r}"
            )
    return errors


def _check_all(values: Mapping[str, Any]) -> tuple[dict[str, Value], list[str]]:
    out: dict[str, Value] = {}
    errors: list[str] = []
    for name in SETTINGS:
        try:
            out[name] = parse(name, values.get(name))
        except InputError as e:
            errors.append(str(e))
    warn, critical = out.get("warn_ratio"), out.get("critical_ratio")
    if isinstance(warn, float) and isinstance(critical, float) and warn > critical:
        errors.append(
            f"kafka_vmtune_warn_ratio: must not exceed kafka_vmtune_critical_ratio"
            f" ({critical:g}), got {warn:g}"
        )
    return out, errors


def parse_all(values: Mapping[str, Any]) -> dict[str, Value]:
    """Every setting, typed, defaults filled; all problems in one InputError."""
    out, errors = _check_all(values)
    if errors:
        raise InputError("; ".join(errors))
    return out


def errors_in(variables: Mapping[str, Any]) -> list[str]:
    """Problems with the kafka_vmtune_* variables an inventory sets (empty when all good)."""
    given = {name: variables[s.var] for name, s in SETTINGS.items() if s.var in variables}
    return _check_all(given)[1] + name_errors(variables)


def number(value: Value) -> float:
    """A parsed numeric setting as a number (for callers that know it is set)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise TypeError(f"not a number: {value!r}")


def module_argument_spec(*names: str) -> dict[str, dict[str, Any]]:
    """Ansible argument_spec entries: raw, so the check above gives the error, not Ansible."""
    return {name: {"type": "raw"} for name in names}


# Where reports and the roll's resume state go on the control node. The roles' default
# (capacity_report, rolling_restart) is the same expression in Jinja; a test compares them.
STATE_DIR_ENV = "KAFKA_VMTUNE_STATE_DIR"
STATE_DIR_DEFAULT = "~/.local/state/kafka-vmtune"


def state_dir() -> str:
    return os.path.expanduser(os.environ.get(STATE_DIR_ENV) or STATE_DIR_DEFAULT)
