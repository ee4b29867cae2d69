"""The one systemd time-span parser (facts.systemd): TimeoutStopUSec as systemctl prints it.

A misread stop timeout would hide the warning that systemd will SIGKILL a broker in the
middle of its controlled shutdown, so every form systemctl prints must parse, and
anything else must be refused rather than read as some number.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kafka_vmtune.facts.systemd import StopTimeout, timespan_seconds

seconds_of = timespan_seconds


def systemctl_format(total_ms: int) -> str:
    """How systemd's format_timespan() prints a duration (largest units first)."""
    if total_ms == 0:
        return "0"
    parts = []
    rest = total_ms
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    if rest:
        parts.append(f"{rest}ms")
    return " ".join(parts)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1min 30s", 90.0),  # systemd's default TimeoutStopSec
        ("5min", 300.0),
        ("6min 40s", 400.0),
        ("2min 3s 500ms", 123.5),
        ("90", 90.0),  # unit-file form: bare seconds
        ("1h", 3600.0),
        ("0", 0.0),
    ],
)
def test_known_spans(text: str, seconds: float) -> None:
    assert seconds_of(text) == pytest.approx(seconds)


def test_infinity_means_no_stop_timeout() -> None:
    assert seconds_of("infinity") == math.inf


@given(st.integers(min_value=0, max_value=30 * 86_400_000))
def test_every_printed_span_reads_back(total_ms: int) -> None:
    assert seconds_of(systemctl_format(total_ms)) == pytest.approx(total_ms / 1000)


@pytest.mark.parametrize("text", ["", "soon", "5x", "1min x", "-5s", "min"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="systemd time span"):
        seconds_of(text)


@given(st.integers(min_value=0, max_value=10_000_000))
def test_the_stop_timeout_warning_is_given_exactly_below_the_budget(total_ms: int) -> None:
    # One text for the tune report (broker_limits) and the roll (restart.systemd).
    raw = systemctl_format(total_ms)
    stop = StopTimeout("kafka.service", timespan_seconds(raw), raw, None)
    warning = stop.warning(300.0, "b1")
    assert (warning is not None) == (total_ms < 300_000)
    if warning is not None:
        assert warning.startswith(f"kafka.service on b1 has TimeoutStopSec {raw}, shorter than")
        assert "Set TimeoutStopSec=300 or more in a drop-in." in warning
    assert StopTimeout("kafka.service", math.inf, "infinity", None).warning(300.0) is None
    assert StopTimeout("kafka.service", None, "", "no systemd").warning(300.0) is None
