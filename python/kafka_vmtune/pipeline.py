"""The pipeline for one host: facts -> sizing -> plan -> report.

inspect_host() is what `kafka-vmtune inspect` and the kafka_facts module run. Standard
library only: Ansible ships it to broker hosts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import settings
from .facts.gather import gather
from .plan.plan import make_plan
from .report.host_report import build
from .sizing.host import size_host

if TYPE_CHECKING:  # the contracts are types only: no TypedDict is built at import
    from .contracts import HostReport


def inspect_host(*, top_processes: int = 0, **options: Any) -> HostReport:
    """The host report (schema 3) with its plan; see docs/host-report.md for every key.

    `options` are the settings of kafka_vmtune.settings (defaults filled, bounds checked
    there: an InputError names the variable). `top_processes`: how many of the processes
    with the most map areas to list (0: do not look; see facts.gather).
    """
    opts = settings.parse_all(options)
    num = settings.number

    def text(name: str) -> str | None:
        return None if opts[name] is None else str(opts[name])

    facts = gather(
        pid=None if opts["pid"] is None else int(num(opts["pid"])),
        unit=text("unit"),
        server_properties=text("server_properties"),
        proc=str(opts["proc"]),
        root=str(opts["root"]),
        sysctl_file=str(opts["sysctl_file"]),
        service_name=str(opts["service_name"]),
        crash_days=num(opts["crash_days"]),
        top_processes=top_processes,
    )
    sizing = size_host(
        facts,
        headroom=num(opts["headroom"]),
        floor=int(num(opts["floor"])),
        warn_ratio=num(opts["warn_ratio"]),
        critical_ratio=num(opts["critical_ratio"]),
        leak_fraction=num(opts["leak_fraction"]),
        connections=int(num(opts["connections"])),
    )
    return build(facts, sizing, make_plan(facts, sizing, opts).as_dict())
