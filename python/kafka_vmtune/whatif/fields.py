"""Readers of one field of a what-if description: type, bounds, an error naming its path.

A field that is also a setting (headroom, floor, ...) takes its bounds from the settings
table (settings.SETTINGS), so both accept the same values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from ..settings import SETTINGS

LONG_MAX = 2**63 - 1


def fail(path: str, message: str, value: object) -> InputError:
    return InputError(f"{path}: {message}, got {value!r}")


def mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise fail(path, "must be a mapping", value)
    for key in value:
        if not isinstance(key, str):
            raise fail(path, "keys must be strings", key)
    return value


def check_keys(obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        where = f"{path}." if path else ""
        raise InputError(
            f"{where}{unknown[0]}: unknown field (known: {', '.join(sorted(allowed))})"
        )


def integer(
    obj: Mapping[str, Any],
    key: str,
    path: str,
    default: int | None,
    *,
    lo: int = 1,
    hi: int = LONG_MAX,
    unlimited: bool = False,
) -> int | None:
    """An integer in [lo, hi]; with `unlimited`, -1 (or null) means no limit -> None."""
    full = f"{path}.{key}" if path else key
    if key not in obj or obj[key] is None:
        return None if unlimited and key in obj else default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(full, "must be an integer", value)
    if unlimited and value == -1:
        return None
    if value < lo:
        what = "a positive integer" if lo == 1 else f"an integer >= {lo}"
        if unlimited:
            what += " or -1 (unlimited)"
        raise fail(full, f"must be {what}", value)
    if value > hi:
        raise fail(full, f"must be at most {hi}", value)
    return value


def required_integer(obj: Mapping[str, Any], key: str, path: str, **kw: Any) -> int:
    value = integer(obj, key, path, None, **kw)
    if value is None:
        raise InputError(f"{path}.{key}: required" if path else f"{key}: required")
    return value


def number(
    obj: Mapping[str, Any],
    key: str,
    path: str,
    default: float,
    *,
    lo: float,
    hi: float,
    lo_open: bool = False,
) -> float:
    full = f"{path}.{key}" if path else key
    if key not in obj or obj[key] is None:
        return default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail(full, "must be a number", value)
    if value < lo or (lo_open and value == lo) or value > hi:
        lo_txt = f"> {lo:g}" if lo_open else f">= {lo:g}"
        raise fail(full, f"must be {lo_txt} and <= {hi:g}", value)
    return float(value)


def text(obj: Mapping[str, Any], key: str, path: str, default: str | None) -> str | None:
    full = f"{path}.{key}" if path else key
    if key not in obj or obj[key] is None:
        return default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or str(value) == "":
        raise fail(full, "must be a non-empty string", value)
    return str(value)


def flag(obj: Mapping[str, Any], key: str, path: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise fail(f"{path}.{key}", "must be true or false", value)
    return value


def setting(obj: Mapping[str, Any], key: str) -> float:
    """A top-level field that is also a setting: its default and bounds from SETTINGS."""
    s = SETTINGS[key]
    assert s.low is not None and s.high is not None and isinstance(s.default, (int, float))
    if s.kind == "int":
        value = integer(obj, key, "", int(s.default), lo=int(s.low), hi=int(s.high))
        assert value is not None
        return value
    return number(obj, key, "", float(s.default), lo=s.low, hi=s.high, lo_open=s.low_open)
