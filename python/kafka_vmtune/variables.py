"""Which kafka_vmtune_* variables exist, so that a typo fails the pre-flight.

Control-node code (reads the collection's YAML with PyYAML, which Ansible brings). Nothing
here is a hand-written list: a variable is known when the settings table has it, a role's
argument_specs documents it, or the collection's own roles and playbooks set it (set_fact,
register, vars, defaults). A setting or option added there is known at once.
"""

from __future__ import annotations

import difflib
import functools
import glob
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from . import settings

PREFIX = "kafka_vmtune_"


def collection_root(start: str | None = None) -> str:
    """The collection's top directory (holding roles/), from this file up."""
    here = os.path.dirname(os.path.realpath(start or __file__))
    while True:
        if os.path.isdir(os.path.join(here, "roles")) and (
            os.path.isfile(os.path.join(here, "galaxy.yml"))
            or os.path.isfile(os.path.join(here, "MANIFEST.json"))
        ):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            raise FileNotFoundError(f"no collection (roles/ and galaxy.yml) above {start}")
        here = parent


def _names_set_in(node: Any) -> Iterator[str]:
    """Variable names a task list or play assigns: set_fact keys, register, vars."""
    if isinstance(node, list):
        for item in node:
            yield from _names_set_in(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("ansible.builtin.set_fact", "set_fact", "vars") and isinstance(value, dict):
                yield from (str(k) for k in value)
            elif key == "register" and isinstance(value, str):
                yield value
            yield from _names_set_in(value)


@functools.lru_cache(maxsize=None)
def known_variables(root: str | None = None) -> frozenset[str]:
    """Every kafka_vmtune_* variable the collection reads or sets."""
    import yaml

    # The C loader when PyYAML has it: this runs once per worker process of a run.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    top = root or collection_root()
    names = {s.var for s in settings.SETTINGS.values()}
    names |= set(settings.FILE_NAMES) | set(settings.DIRECTORIES)
    for path in sorted(glob.glob(os.path.join(top, "roles", "*", "meta", "argument_specs.yml"))):
        with open(path, encoding="utf-8") as f:
            specs = (yaml.load(f, Loader=loader) or {}).get("argument_specs") or {}
        for spec in specs.values():
            names.update((spec or {}).get("options") or {})
    assigned = [
        *glob.glob(os.path.join(top, "roles", "*", "defaults", "*.yml")),
        *glob.glob(os.path.join(top, "roles", "*", "tasks", "*.yml")),
        *glob.glob(os.path.join(top, "roles", "*", "handlers", "*.yml")),
        *glob.glob(os.path.join(top, "playbooks", "*.yml")),
    ]
    for path in sorted(assigned):
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=loader)
        if "defaults" in path.split(os.sep) and isinstance(doc, dict):
            names.update(str(k) for k in doc)
        names.update(_names_set_in(doc))
    return frozenset(n for n in names if n.startswith(PREFIX))


def unknown_variable_errors(variables: Iterable[str], known: Iterable[str]) -> list[str]:
    """One message per kafka_vmtune_* name nobody reads, with the closest known name."""
    pool = sorted(set(known))
    errors = []
    for name in sorted(set(variables)):
        if not name.startswith(PREFIX) or name in pool:
            continue
        close = difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else " (see the roles' argument specs)"
        errors.append(f"{name}: not a kafka-vmtune variable, it would be ignored{hint}")
    return errors


def errors(variables: Mapping[str, Any]) -> list[str]:
    """The pre-flight's verdict on a host's kafka_vmtune_* variables: bad values, unknown names."""
    from .restart.decide import policy_error

    policy = variables.get("kafka_vmtune_restart_policy", "auto")
    bad_policy = [] if policy_error(policy) is None else [str(policy_error(policy))]
    return (
        settings.errors_in(variables)
        + bad_policy
        + unknown_variable_errors(variables, known_variables())
    )
