"""The value a sysctl will have after the next boot, evaluated like systemd-sysctl.

systemd-sysctl reads *.conf from the directories below. A file name in an earlier directory
masks the same name in later ones; a symlink to /dev/null, a device node or an empty file
masks and sets nothing; a FIFO or socket takes its name too but is not read here
(systemd-sysctl 252 would block on a FIFO: it is reported, never waited for). The
surviving files are read in the order of their file names, whatever their directory; the
last assignment of a key replaces the earlier ones and is the only one written. A value the
kernel refuses (kernel_int) leaves the kernel default: the earlier assignments never reach
the kernel. /etc/sysctl.conf is not read by systemd-sysctl: Debian links it in as
/etc/sysctl.d/99-sysctl.conf, and only through such a link does it count.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import string
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ..defaults import INT_MAX
from ..errors import FactsError
from .safe_open import kind, read_text

CONF_DIRS = (
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
)
# proc_get_long() copies at most 21 characters of a number (TMPBUFLEN - 1) and refuses more.
_KERNEL_DIGITS = 21


class SysctlSetting(NamedTuple):
    path: str
    line: int
    value: str


class BootValue(NamedTuple):
    key: str
    value: str | None
    source: SysctlSetting | None
    settings: tuple[SysctlSetting, ...]  # every assignment of key, in application order
    masked: tuple[str, ...]  # files shadowed by a same-named file earlier in the dir order
    ignored: tuple[str, ...] = ()  # "<path>: why" of files systemd-sysctl skips


def kernel_int(text: str, low: int = 0, high: int = INT_MAX) -> int | None:
    """The integer the kernel stores when `text` is written to a proc_dointvec_minmax sysctl
    with bounds low..high (vm.max_map_count: 0..INT_MAX), or None when it refuses it.

    As proc_get_long(): surrounding whitespace is skipped, one '-' may lead, then digits
    in C's base 0 (0x.. hexadecimal, a leading 0 octal), nothing but whitespace after;
    at most 21 characters; then the bounds (a value beyond INT_MAX is EINVAL).
    """
    s = text.strip(" \t\n")
    neg = s.startswith("-") and len(s) > 1
    if neg:
        s = s[1:]
    if not s or s[0] not in string.digits:
        return None
    base, digits = 10, string.digits
    if s[0] == "0":
        if s[1:2] in ("x", "X") and s[2:3] and s[2] in string.hexdigits:
            base, digits, s = 16, string.hexdigits, s[2:]
        else:
            base, digits = 8, string.octdigits
    end = 0
    while end < len(s) and s[end] in digits:
        end += 1
    consumed = end + (2 if base == 16 else 0)
    if end < len(s) or consumed >= _KERNEL_DIGITS:
        return None  # a trailing non-space character, or too long for the kernel's buffer
    magnitude = int(s[:end], base)
    if magnitude > INT_MAX + (1 if neg else 0):
        return None
    value = -magnitude if neg else magnitude
    return value if low <= value <= high else None


def normalize_key(key: str) -> str:
    """Dotted form of a sysctl key: `vm/max_map_count` and `vm.max_map_count` are the same.

    As in systemd: when the first separator is '/', slashes separate and dots are literal
    (so they swap); otherwise dots separate and slashes are literal.
    """
    key = key.strip().lstrip("/")
    slash, dot = key.find("/"), key.find(".")
    if slash >= 0 and (dot < 0 or slash < dot):
        return key.translate(str.maketrans("/.", "./"))
    return key


def parse_sysctl_text(path: str, text: str) -> list[tuple[str, SysctlSetting]]:
    """(normalized key, setting) of every assignment in one sysctl.d/sysctl.conf file."""
    out = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("-"):
            line = line[1:]  # '-' only says: ignore a failure to write it
        key, sep, value = line.partition("=")
        if not sep:
            continue  # systemd ignores a line that is not an assignment
        out.append((normalize_key(key), SysctlSetting(path, lineno, value.strip())))
    return out


def evaluate(key: str, files: Iterable[tuple[str, str]]) -> tuple[SysctlSetting, ...]:
    """Every assignment of `key` in (path, text) files taken in application order.

    The last one is what the kernel will hold. A glob key (net.ipv4.conf.*.rp_filter)
    assigns every key it matches, like systemd-sysctl does.
    """
    name = normalize_key(key)
    settings = []
    for path, text in files:
        for k, setting in parse_sysctl_text(path, text):
            if k == name or (any(c in k for c in "*?[") and fnmatch.fnmatchcase(name, k)):
                settings.append(setting)
    return tuple(settings)


def order_conf_files(
    listings: Sequence[tuple[str, Iterable[str]]],
) -> tuple[list[str], list[str]]:
    """Application order of conf files, and the files masked by an earlier same name.

    `listings` holds (directory, file names) in priority order. Returns (paths in the order
    they are applied, masked paths).
    """
    chosen: dict[str, str] = {}
    masked: list[str] = []
    for directory, names in listings:
        for name in sorted(names):
            if not name.endswith(".conf"):
                continue
            path = f"{directory.rstrip('/')}/{name}"
            if name in chosen:
                masked.append(path)
            else:
                chosen[name] = path
    return [chosen[name] for name in sorted(chosen)], masked


def _host(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/")) if root not in ("", "/") else path


def _entry_kind(real: str) -> str:
    """ "conf" (read), "mask" (masks its name, sets nothing), or what else it is.

    systemd's null_or_empty(): a device node (/dev/null, a link to it) or an empty regular
    file is a mask. Any other file that is not regular (a FIFO, a socket) is not read.
    """
    try:
        st = os.stat(real)
    except OSError:
        return "mask"  # a dangling link sets nothing
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return "mask"
    if stat.S_ISREG(st.st_mode):
        return "conf" if st.st_size else "mask"
    return kind(st.st_mode)


def _identity(real: str) -> tuple[int, int] | None:
    try:
        st = os.stat(real)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _read(real: str, shown: str) -> str:
    try:
        return read_text(real)
    except OSError as e:
        raise FactsError(f"cannot read {shown}: {e.strerror or e}") from e


def config_files(root: str = "/") -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """(path, text) of every sysctl file in application order, the masked paths, and
    "<path>: why" of the files skipped. Paths are as seen on the host (without `root`)."""
    listings: list[tuple[str, list[str]]] = []
    seen_dirs: set[tuple[int, int]] = set()
    skipped: list[str] = []
    kinds: dict[str, str] = {}
    for d in CONF_DIRS:
        real = _host(root, d)
        ident = _identity(real)
        if ident is None or ident in seen_dirs:
            continue  # missing, or /lib/sysctl.d on a merged-/usr system (same as /usr/lib)
        seen_dirs.add(ident)
        try:
            names = sorted(n for n in os.listdir(real) if n.endswith(".conf"))
        except OSError as e:
            raise FactsError(f"cannot list {d}: {e.strerror or e}") from e
        kept = []
        for name in names:
            path = f"{d}/{name}"
            kinds[path] = _entry_kind(_host(root, path))
            if kinds[path] != "directory":
                kept.append(name)
        listings.append((d, kept))
    ordered, masked = order_conf_files(listings)
    files = []
    for path in ordered:
        if kinds[path] == "conf":
            files.append((path, _read(_host(root, path), path)))
        elif kinds[path] != "mask":
            skipped.append(f"{path}: not a regular file (a {kinds[path]}): not read, sets nothing")
    return files, masked, skipped


def boot_value(key: str, root: str = "/") -> BootValue:
    """What `key` will be set to at the next boot, and every file that assigns it."""
    files, masked, skipped = config_files(root)
    settings = evaluate(key, files)
    source = settings[-1] if settings else None
    return BootValue(
        key=normalize_key(key),
        value=source.value if source else None,
        source=source,
        settings=settings,
        masked=tuple(masked),
        ignored=tuple(skipped),
    )
