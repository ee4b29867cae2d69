#!/usr/bin/python
"""Ansible module: read a systemd unit's TimeoutStopSec, in seconds (read-only)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: unit_stop_timeout
short_description: Read a systemd unit's stop timeout in seconds
description:
  - Runs C(systemctl show -p TimeoutStopUSec --value UNIT) and converts the time span
    (C(1min 30s), C(5min), C(infinity)) to seconds. Never fails when systemd is not
    running or the unit is unknown; says so in C(error).
options:
  unit: {description: The unit name., type: str, required: true}
author: kafka-vmtune
"""

RETURN = r"""
seconds: {description: Stop timeout in seconds (null when unknown or infinite)., returned: always, type: float}
infinite: {description: TimeoutStopSec=infinity., returned: always, type: bool}
raw: {description: The value systemctl printed., returned: always, type: str}
error: {description: Why it could not be read (null when read)., returned: always, type: str}
"""

import re

from ansible.module_utils.basic import AnsibleModule

UNITS = {
    "us": 1e-6,
    "usec": 1e-6,
    "ms": 1e-3,
    "msec": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
}
PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")


def timespan_seconds(text: str) -> float | None:
    """systemd time span to seconds; None for infinity or an unparsable text."""
    text = text.strip().lower()
    if not text or text == "infinity":
        return None
    total = 0.0
    pos = 0
    for m in PART.finditer(text):
        if text[pos : m.start()].strip():
            return None
        unit = m.group(2) or "s"
        if unit not in UNITS:
            return None
        total += float(m.group(1)) * UNITS[unit]
        pos = m.end()
    return total if not text[pos:].strip() else None


def main() -> None:
    module = AnsibleModule(
        argument_spec={"unit": {"type": "str", "required": True}}, supports_check_mode=True
    )
    unit = module.params["unit"]
    systemctl = module.get_bin_path("systemctl")
    if systemctl is None:
        module.exit_json(
            changed=False, seconds=None, infinite=False, raw="", error="systemctl not found"
        )
    rc, out, err = module.run_command(
        [systemctl, "show", "-p", "TimeoutStopUSec", "-p", "LoadState", unit]
    )
    props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    if rc != 0 or props.get("LoadState") not in (None, "loaded"):
        why = (
            (err.strip() or out.strip() or f"rc {rc}").splitlines()[0]
            if rc != 0
            else f"unit {unit} is {props.get('LoadState')}"
        )
        module.exit_json(changed=False, seconds=None, infinite=False, raw=out.strip(), error=why)
    raw = props.get("TimeoutStopUSec", "").strip()
    seconds = timespan_seconds(raw)
    infinite = raw.lower() == "infinity"
    error = None if seconds is not None or infinite else f"cannot parse TimeoutStopUSec={raw!r}"
    module.exit_json(changed=False, seconds=seconds, infinite=infinite, raw=raw, error=error)


if __name__ == "__main__":
    main()
