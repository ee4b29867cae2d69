"""This machine's facts and sizing as the pipeline reads them, for tests that vary a part.

No broker runs here; `root` holds the sysctl files (an empty or missing root: none).
"""

from __future__ import annotations

from kafka_vmtune import settings
from kafka_vmtune.facts.gather import HostFacts, gather
from kafka_vmtune.sizing.host import Sizing, size_host

OPTIONS = settings.parse_all({})


def machine_facts(root: str) -> HostFacts:
    return gather(
        pid=None,
        unit=None,
        server_properties=None,
        proc="/proc",
        root=root,
        sysctl_file=str(OPTIONS["sysctl_file"]),
        crash_days=0,
    )


def sized(facts: HostFacts) -> Sizing:
    """The sizing with the settings table's defaults."""
    o = OPTIONS
    return size_host(
        facts,
        headroom=settings.number(o["headroom"]),
        floor=int(settings.number(o["floor"])),
        warn_ratio=settings.number(o["warn_ratio"]),
        critical_ratio=settings.number(o["critical_ratio"]),
        connections=int(settings.number(o["connections"])),
    )
