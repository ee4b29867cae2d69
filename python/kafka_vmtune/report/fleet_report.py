"""The fleet capacity report: every host's report in one table, as Markdown and JSON.

One job per module:
  fleet_rows    the typed rows (HostRow) and the Fleet read from the hosts' entries;
                capacity.json is Fleet.as_json(), the only place rows become dicts
  fleet_change  the `change` column: what tune-vm.yml did or would do, in words
  fleet_rules   the hosts that make the run fail (problem_hosts)
  fleet_render  the console table (render.table) and capacity.md
  fleet_files   a report directory of its own, whole files only, the `latest` link
This module writes one report from the others (the capacity_report action calls it).
"""

from __future__ import annotations

import json

from .fleet_files import write_files
from .fleet_render import render_markdown
from .fleet_rows import Fleet


def write_fleet_report(fleet: Fleet, directory: str) -> tuple[str, str]:
    """Write capacity.md and capacity.json into directory (created); return both paths."""
    md_path, json_path = write_files(
        directory,
        {
            "capacity.md": render_markdown(fleet),
            "capacity.json": json.dumps(fleet.as_json(), indent=2, sort_keys=True) + "\n",
        },
    )
    return md_path, json_path
