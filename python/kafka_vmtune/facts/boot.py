"""The value vm.max_map_count will have after a reboot, as systemd-sysctl will set it.

Evaluates the real tree, or (check mode) a mirror of it with the planned file in place, so
`--check` tells the truth about the boot value without writing anything.
"""

from __future__ import annotations

import os
import stat
import tempfile
from typing import TYPE_CHECKING

from ..defaults import INT_MAX
from .safe_open import NotRegularFileError, read_bytes, read_text
from .sysctl_config import CONF_DIRS, boot_value, kernel_int
from .sysctl_config import evaluate as evaluate_key

if TYPE_CHECKING:  # types only: no TypedDict is built on a broker at import
    from ..contracts import Assignment, BootEvaluation

MARKER = "Managed by kafka-vmtune"
# Every place systemd-sysctl reads, mirrored when a planned content is evaluated.
SYSCTL_DIRS = (
    "etc/sysctl.d",
    "run/sysctl.d",
    "usr/local/lib/sysctl.d",
    "usr/lib/sysctl.d",
    "lib/sysctl.d",
)
# Not read by systemd-sysctl itself; mirrored so that a link to it (Debian's
# /etc/sysctl.d/99-sysctl.conf) reads the same in the mirror.
SYSCTL_FILES = ("etc/sysctl.conf",)


def parse_value(text: str, key: str) -> str | None:
    """Last assignment of key in one file's text (the parser systemd-sysctl's order uses)."""
    settings = evaluate_key(key, [("", text)])
    return settings[-1].value if settings else None


def _inside(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/"))


def mirror(root: str, tmp: str) -> None:
    """Copy the sysctl configuration of root into tmp, keeping masks and shared directories."""
    seen: dict[str, str] = {}
    for rel in SYSCTL_DIRS:
        src = os.path.join(root, rel)
        if not os.path.isdir(src):
            continue
        dst = os.path.join(tmp, rel)
        real = os.path.realpath(src)
        if real in seen:  # /lib -> /usr/lib (merged /usr): the same directory twice
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.symlink(seen[real], dst)
            continue
        seen[real] = dst
        os.makedirs(dst, exist_ok=True)
        for name in sorted(os.listdir(src)):
            _copy_entry(root, os.path.join(src, name), os.path.join(dst, name))
    for rel in SYSCTL_FILES:
        src = os.path.join(root, rel)
        if os.path.lexists(src):
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
            _copy_entry(root, src, os.path.join(tmp, rel))


def _copy_entry(root: str, src: str, dst: str, links: int = 0) -> None:
    if os.path.islink(src):
        target = os.readlink(src)
        if target == "/dev/null":  # a mask stays a mask
            os.symlink(target, dst)
            return
        resolved = (
            _inside(root, target)
            if os.path.isabs(target)
            else os.path.join(os.path.dirname(src), target)
        )
        if os.path.lexists(resolved) and links < 40:
            _copy_entry(root, resolved, dst, links + 1)
        else:
            os.symlink("/dev/null", dst)  # dangling (or a loop): masks its name, sets nothing
        return
    try:
        st = os.stat(src)
    except OSError:
        return
    if stat.S_ISREG(st.st_mode):
        try:
            data = read_bytes(src)
        except NotRegularFileError:
            os.mkfifo(dst)  # replaced by a FIFO meanwhile: taken as one
            return
        with open(dst, "wb") as fh:
            fh.write(data)
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        os.symlink("/dev/null", dst)  # a device node (/dev/null bind) masks the same way
    elif not stat.S_ISDIR(st.st_mode):
        os.mkfifo(dst)  # a FIFO or socket: takes its name, is never read


def evaluate(key: str, root: str, ours: str, content: str | None) -> BootEvaluation:
    if content is None:
        return _evaluate_tree(key, root, root, ours, planned=False)
    with tempfile.TemporaryDirectory(prefix="kvt-sysctl-") as tmp:
        mirror(root, tmp)
        path = _inside(tmp, ours)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.islink(path):
            os.unlink(path)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(content)
        return _evaluate_tree(key, tmp, root, ours, planned=True)


def _maskers(tree: str, ours: str) -> list[str]:
    """Same-named files in directories systemd-sysctl prefers to ours (a /dev/null link too)."""
    name, ours_dir = os.path.basename(ours), os.path.dirname(ours)
    ours_real = os.path.realpath(_inside(tree, ours))
    found = []
    for directory in CONF_DIRS:
        if directory == ours_dir:
            break
        candidate = f"{directory}/{name}"
        real = _inside(tree, candidate)
        if os.path.lexists(real) and os.path.realpath(real) != ours_real:
            found.append(candidate)
    return found


def _evaluate_tree(key: str, tree: str, root: str, ours: str, planned: bool) -> BootEvaluation:
    def host_path(path: str) -> str:
        """A path as the host sees it, whether evaluated in the real root or a mirror."""
        real = os.path.normpath(path)
        base = os.path.normpath(tree)
        if base != "/" and (real == base or real.startswith(base + os.sep)):
            return "/" + os.path.relpath(real, base)
        return real

    bv = boot_value(key, tree)
    settings: list[Assignment] = [
        {"path": host_path(s.path), "line": s.line, "value": s.value} for s in bv.settings
    ]
    masked = [host_path(m) for m in bv.masked]
    ours_norm = os.path.normpath(ours)
    at = [i for i, s in enumerate(settings) if s["path"] == ours_norm]
    overridden: list[str]
    if at:
        overridden = [str(s["path"]) for s in settings[at[-1] + 1 :] if s["path"] != ours_norm]
    elif ours_norm in masked:
        overridden = _maskers(tree, ours_norm)
    else:
        overridden = []
    real_file = _inside(tree, ours)
    text = None
    try:
        text = read_text(real_file)
    except OSError:
        text = None  # absent, or not a regular file (written over, never read)
    value = parse_value(text, key) if text is not None else None
    in_dirs = os.path.dirname(ours_norm).lstrip("/") in SYSCTL_DIRS
    # systemd-sysctl writes only the last assignment: when the kernel refuses it, the key
    # keeps its kernel default, whatever the earlier files said.
    boot_int = kernel_int(bv.value) if bv.value is not None else None
    refused = None
    if bv.source is not None and boot_int is None:
        refused = (
            f"{host_path(bv.source.path)}:{bv.source.line} sets {key} = {bv.source.value!r},"
            f" which the kernel refuses (it takes 0..{INT_MAX}): after a reboot the limit"
            " is the kernel default"
        )
    ours_value = kernel_int(value) if value is not None else None
    return {
        "key": key,
        "boot_value": boot_int,
        "boot_refused": refused,
        "ignored": list(bv.ignored),
        "boot_source": host_path(bv.source.path) if bv.source else None,
        "settings": settings,
        "masked": masked,
        "overridden_by": sorted(set(overridden)),
        "planned": planned,
        "ours": {
            "path": ours_norm,
            "exists": text is not None,
            "value": ours_value if ours_value is not None else value,
            "managed": text is not None and MARKER in text,
            "read_at_boot": in_dirs and ours_norm not in masked,
        },
    }
