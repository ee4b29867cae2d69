#!/usr/bin/python
"""Ansible module: raise a sysctl in /proc/sys now, never lowering it."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sysctl_live
short_description: Raise a kernel setting in /proc/sys to at least a value, never lowering it
description:
  - Reads /proc/sys/<key>; when it is below I(value) writes I(value) and reads it back.
  - A value already at or above I(value) is kept (changed=false).
  - When /proc/sys is read-only (a container without the privilege) nothing is written and the
    result says so (action=read-only, changed=false); the task does not fail.
options:
  key: {description: Dotted sysctl name., type: str, default: vm.max_map_count}
  value: {description: The lowest value wanted., type: int, required: true}
  proc: {description: Mount point of procfs., type: path, default: /proc}
author: kafka-vmtune
"""

RETURN = r"""
before: {description: Value before., returned: always, type: int}
after: {description: Value read back (the planned value in check mode)., returned: always, type: int}
action: {description: keep, raise or read-only., returned: always, type: str}
"""

import errno
import os

from ansible.module_utils.basic import AnsibleModule

READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


def read_int(path: str) -> int:
    with open(path, encoding="ascii") as fh:
        return int(fh.read().split()[0])


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "key": {"type": "str", "default": "vm.max_map_count"},
            "value": {"type": "int", "required": True},
            "proc": {"type": "path", "default": "/proc"},
        },
        supports_check_mode=True,
    )
    key, value = module.params["key"], module.params["value"]
    path = os.path.join(module.params["proc"], "sys", *key.split("."))
    try:
        before = read_int(path)
    except (OSError, ValueError, IndexError) as exc:
        module.fail_json(msg=f"cannot read {path}: {exc}")
    result = {"key": key, "path": path, "before": before, "wanted": value}
    if before >= value:
        module.exit_json(
            changed=False,
            after=before,
            action="keep",
            msg=f"{key} is {before} (>= {value}): kept, never lowered",
            **result,
        )
    if module.check_mode:
        module.exit_json(
            changed=True,
            after=value,
            action="raise",
            msg=f"{key} would be raised {before} -> {value}",
            **result,
        )
    try:
        with open(path, "w", encoding="ascii") as fh:
            fh.write(f"{value}\n")
    except OSError as exc:
        if exc.errno in READ_ONLY:
            module.exit_json(
                changed=False,
                after=before,
                action="read-only",
                msg=(
                    f"{path} is not writable here ({os.strerror(exc.errno)}): {key} stays {before}"
                    f" until the value {value} is applied by the machine that owns the kernel"
                    " (container host) or at the next boot"
                ),
                **result,
            )
        module.fail_json(msg=f"cannot write {path}: {exc}", **result)
    after = read_int(path)
    if after < value:
        module.fail_json(msg=f"wrote {value} to {path} but it reads {after}", after=after, **result)
    module.exit_json(
        changed=True, after=after, action="raise", msg=f"{key} raised {before} -> {after}", **result
    )


if __name__ == "__main__":
    main()
