"""Filter: systemd time spans ("1min 30s", "5min", "infinity", "90") as seconds.

The parser lives in the package (kafka_vmtune.restart.timespan), shared with the
kafka_roll_broker action plugin.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from kafka_vmtune.restart.timespan import systemd_timespan_seconds
except ImportError:  # ansible-playbook run from a Python without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "python"))
    from kafka_vmtune.restart.timespan import systemd_timespan_seconds


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {"systemd_timespan_seconds": systemd_timespan_seconds}
