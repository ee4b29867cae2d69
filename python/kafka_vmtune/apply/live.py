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


def raise_live(key: str, value: int, proc: str, *, enabled: bool, check: bool) -> LiveResult:
    """Make the live value at least `value`; in check mode say what would happen."""
    path = os.path.join(proc, "sys", *key.split("."))
    before = _read(path)
    target = never_lower(value, before)
    if target == before:
        return LiveResult("keep", before, before, f"live {before} (>= {value}): kept")
    if not enabled:
        return LiveResult(
            "disabled", before, before, f"live {before} < {value}: not applied (apply_live false)"
        )
    if not os.access(path, os.W_OK) and not check:
        return _read_only(path, before, value, errno.EACCES)
    if check:
        if not os.access(path, os.W_OK):
            return _read_only(path, before, value, errno.EROFS)
        return LiveResult("raise", before, target, f"would raise live {before} -> {target}")
    try:
        with open(path, "w", encoding="ascii") as fh:
            fh.write(f"{target}\n")
    except OSError as exc:
        if exc.errno in READ_ONLY:
            return _read_only(path, before, value, exc.errno)
        raise FactsError(f"cannot write {path}: {exc}") from None
    after = _read(path)
    if after < target:
        raise FactsError(f"wrote {target} to {path} but it reads {after}")
    return LiveResult("raise", before, after, f"raised live {before} -> {after}")


def _read_only(path: str, before: int, value: int, err: int) -> LiveResult:
    return LiveResult(
        "read-only",
        before,
        before,
        f"NOT APPLIED: {path} is read-only here ({os.strerror(err)}; a container?): live stays"
        f" {before}; {value} applies when set by the machine that owns the kernel, or at its"
        " next boot",
    )
