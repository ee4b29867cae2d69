#!/usr/bin/python
"""Ansible module: measure a Kafka broker host and compute its vm.max_map_count need."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_facts
short_description: Read a Kafka broker host and return the kafka-vmtune host report
description:
  - Finds the broker (by PID, systemd unit or the kafka.Kafka main class), reads its map
    areas, threads, arenas and descriptors from /proc, scans its log.dirs, evaluates the
    sysctl files systemd-sysctl applies at boot, and computes required and recommended
    vm.max_map_count with the kafka-vmtune model.
  - Changes nothing. A host without Kafka still gets a complete report (kafka.found false).
  - Every option the task leaves out takes the host's variable of the same name with the
    kafka_vmtune_ prefix (e.g. kafka_vmtune_headroom), else the settings table's default;
    its action plugin passes them, so an inventory setting cannot be lost on the way.
options:
  pid:
    description: Broker PID (skips discovery).
    type: raw
  unit:
    description: systemd unit whose MainPID is the broker.
    type: raw
  server_properties:
    description: Path of server.properties (default from the command line).
    type: raw
  headroom:
    description: Factor over the computed need (default 1.5).
    type: raw
  floor:
    description: Lowest value ever recommended (default 262144).
    type: raw
  warn_ratio:
    description: Used/limit ratio that warns (default 0.7).
    type: raw
  critical_ratio:
    description: Used/limit ratio that is critical (default 0.9).
    type: raw
  leak_fraction:
    description: Share of segments rolled between GCs still leaked (default 0.25).
    type: raw
  connections:
    description: Client connections counted in the open-file need (default 1000).
    type: raw
  max_map_count:
    description: A fixed value instead of the recommendation (never lowers).
    type: raw
  sysctl_file:
    description: The sysctl.d file kafka-vmtune owns (default /etc/sysctl.d/60-kafka-vmtune.conf).
    type: raw
  root:
    description: Root of the tree whose sysctl files are evaluated (default /).
    type: raw
  proc:
    description: Mount point of procfs (default /proc).
    type: raw
  apply_live:
    description: Plan to raise the live value too (default true).
    type: raw
  verify_boot:
    description: Plan to prove the boot value (default true).
    type: raw
  manage_nofile:
    description: Plan LimitNOFILE for the broker's unit (default false).
    type: raw
  nofile:
    description: A fixed LimitNOFILE (never lowers).
    type: raw
  malloc_arena_max:
    description: MALLOC_ARENA_MAX for the broker's unit.
    type: raw
  service_name:
    description: The broker's unit when neither O(unit) nor a running broker names it (default kafka); read to tell a broker that is down.
    type: raw
  crash_days:
    description: Report the broker crashes C(kafka-vmtune diagnose) finds from the last N days (default 7; 0 does not look).
    type: raw
notes:
  - Every option is checked by the collection's one settings table, which names the
    inventory variable (kafka_vmtune_<option>) in its error.
author: kafka-vmtune maintainers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Measure the broker (found by its unit) and compute its vm.max_map_count need
  kafka_vmtune.kafka.kafka_facts:
    unit: kafka.service
    headroom: 2.0

- name: Print the measurement, the model and the plan (rendered on the control node)
  ansible.builtin.debug:
    msg: "{{ ansible_facts.kafka_vmtune | kafka_vmtune.kafka.host_breakdown }}"
"""

RETURN = r"""
ansible_facts:
  description: kafka_vmtune, the host report (schema 2, with its plan; see docs/host-report.md).
  returned: success
  type: dict
"""

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import zipfile
from types import ModuleType
from typing import Sequence

PACKAGE = "ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune"


class CompileOnce(importlib.abc.SourceLoader):
    """Loads PACKAGE's modules from the AnsiballZ payload, compiling each file once.

    zipimport compiles a module to learn its file name and again to run it, and the payload
    carries no bytecode: every broker compiled the measuring code twice on every run, a third
    of this module's cost over ansible.builtin.ping in a fleet check. Nothing is written."""

    def __init__(self, archive: str) -> None:
        self.archive = archive
        self.payload = zipfile.ZipFile(archive)
        self.names = frozenset(self.payload.namelist())

    def entry(self, name: str) -> tuple[str, bool] | None:
        """(path in the payload, is a package) of one of PACKAGE's modules."""
        if name != PACKAGE and not name.startswith(PACKAGE + "."):
            return None
        inner = name.replace(".", "/")
        for entry, package in ((inner + "/__init__.py", True), (inner + ".py", False)):
            if entry in self.names:
                return entry, package
        return None

    def get_filename(self, fullname: str) -> str:
        found = self.entry(fullname)
        if found is None:
            raise ImportError(f"{fullname} is not in the payload", name=fullname)
        return os.path.join(self.archive, found[0])

    def get_data(self, path: str) -> bytes:
        return self.payload.read(path[len(self.archive) + 1 :])


class PayloadFinder(importlib.abc.MetaPathFinder):
    """Finds PACKAGE's modules in the payload for CompileOnce; any other name goes on."""

    def __init__(self, loader: CompileOnce) -> None:
        self.loader = loader

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        found = self.loader.entry(name)
        if found is None:
            return None
        location = os.path.join(self.loader.archive, found[0])
        return importlib.util.spec_from_file_location(
            name,
            location,
            loader=self.loader,
            submodule_search_locations=[os.path.dirname(location)] if found[1] else None,
        )


def compile_once(loader: object) -> None:
    """Put CompileOnce first when this module runs from a payload (zipimport's `archive`)."""
    archive = getattr(loader, "archive", None)
    if isinstance(archive, str) and zipfile.is_zipfile(archive):
        sys.meta_path.insert(0, PayloadFinder(CompileOnce(archive)))


compile_once(globals().get("__loader__"))

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune import settings
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.errors import (
    VmtuneError,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.pipeline import (
    inspect_host,
)


def main() -> None:
    module = AnsibleModule(
        argument_spec=settings.module_argument_spec(*settings.SETTINGS), supports_check_mode=True
    )
    try:
        report = inspect_host(**module.params)
    except VmtuneError as exc:  # InputError, FactsError: one clear line
        module.fail_json(msg=str(exc))
    # Rendering for people is the control node's job (filter host_breakdown): the broker
    # compiles and runs only the measuring code.
    module.exit_json(changed=False, ansible_facts={"kafka_vmtune": report})


if __name__ == "__main__":
    main()
