"""Raise a live sysctl value through /proc/sys, never lowering it."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

from ..errors import FactsError
from ..plan.plan import never_lower

READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


@dataclass(frozen=True)
class LiveResult:
    action: str  # keep | raise | read-only | disabled
    before: int
    after: int
    message: str


def _read(path: str) -> int:
    try:
        with open(path, encoding="ascii") as fh:
            return int(fh.read().split()[0])
    except (OSError, ValueError, IndexError) as exc:
        raise FactsError(f"cannot read {path}: {exc}") from None


def read(key: str, proc: str) -> int:
    return _read(os.path.join(proc, "sys", *key.split(".")))


def raise_live(
    key: str, value: int, proc: str, *, planned: bool, read_only: bool, check: bool
) -> LiveResult:
    """Make the live value at least `value` when the plan says so; never lower it.

    `planned` is the plan's raise_live decision (false when the facts found /proc/sys
    read-only, `read_only`, or live apply is disabled); a host that turns out read-only at
    write time is reported, not failed.
    """
    path = os.path.join(proc, "sys", *key.split("."))
    before = _read(path)
    target = never_lower(value, before)
    if target == before:
        return LiveResult("keep", before, before, f"live: kept at {before} (>= {value})")
    if not planned:
        if read_only:
            return _read_only(before, value)
        return LiveResult(
            "disabled",
            before,
            before,
            f"live: not applied (kafka_vmtune_apply_live is false); {value} applies at the next"
            " boot",
        )
    if check:
        return LiveResult("raise", before, target, f"live: would raise {before} -> {target}")
    try:
        with open(path, "w", encoding="ascii") as fh:
            fh.write(f"{target}\n")
    except OSError as exc:
        if exc.errno in READ_ONLY:
            return _read_only(before, value)
        raise FactsError(f"cannot write {path}: {exc}") from None
    after = _read(path)
    if after < target:
        raise FactsError(f"wrote {target} to {path} but it reads {after}")
    return LiveResult(
        "raise", before, after, f"live: raised {before} -> {after} ({key} is {after} live)"
    )


def _read_only(before: int, value: int) -> LiveResult:
    return LiveResult(
        "read-only",
        before,
        before,
        f"live: NOT APPLIED: /proc/sys is read-only on this host (a container?); stays {before},"
        f" {value} applies when set by the machine that owns the kernel, or at its next boot",
    )
