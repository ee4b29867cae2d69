"""The value a sysctl will have after the next boot, evaluated like systemd-sysctl.

systemd-sysctl reads *.conf from the directories below. A file name in an earlier directory
masks the same name in later ones; a symlink to /dev/null (or an empty file) masks and sets
nothing. The surviving files are applied in the order of their file names, whatever their
directory, and the last assignment of a key wins. procps `sysctl --system` reads
/etc/sysctl.conf last; Debian links it in as /etc/sysctl.d/99-sysctl.conf, and then it
counts once, at that position.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ..errors import FactsError

CONF_DIRS = (
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
)
SYSCTL_CONF = "/etc/sysctl.conf"


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
    wanted = normalize_key(key)
    settings = []
    for path, text in files:
        for k, setting in parse_sysctl_text(path, text):
            if k == wanted or (any(c in k for c in "*?[") and fnmatch.fnmatchcase(wanted, k)):
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


def _is_mask(real: str) -> bool:
    """A /dev/null symlink or an empty file: systemd drops it (and it still masks)."""
    try:
        if os.path.islink(real) and os.readlink(real) == "/dev/null":
            return True
        st = os.stat(real)
    except OSError:
        return True  # a dangling link sets nothing
    return stat.S_ISCHR(st.st_mode) or (stat.S_ISREG(st.st_mode) and st.st_size == 0)


def _identity(real: str) -> tuple[int, int] | None:
    try:
        st = os.stat(real)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _read(real: str, shown: str) -> str:
    try:
        with open(real, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError as e:
        raise FactsError(f"cannot read {shown}: {e.strerror or e}") from e


def config_files(root: str = "/") -> tuple[list[tuple[str, str]], list[str]]:
    """(path, text) of every sysctl file in application order, and the masked paths.

    Paths are as seen on the host (without `root`).
    """
    listings: list[tuple[str, list[str]]] = []
    seen_dirs: set[tuple[int, int]] = set()
    for d in CONF_DIRS:
        real = _host(root, d)
        ident = _identity(real)
        if ident is None or ident in seen_dirs:
            continue  # missing, or /lib/sysctl.d on a merged-/usr system (same as /usr/lib)
        seen_dirs.add(ident)
        try:
            names = [n for n in os.listdir(real) if not os.path.isdir(os.path.join(real, n))]
        except OSError as e:
            raise FactsError(f"cannot list {d}: {e.strerror or e}") from e
        listings.append((d, names))
    ordered, masked = order_conf_files(listings)
    files: list[tuple[str, str]] = []
    read_ids: set[tuple[int, int]] = set()
    for path in ordered:
        real = _host(root, path)
        if _is_mask(real):
            continue
        ident = _identity(real)
        if ident is not None:
            read_ids.add(ident)
        files.append((path, _read(real, path)))
    conf = _host(root, SYSCTL_CONF)
    ident = _identity(conf)
    if ident is not None and ident not in read_ids and os.path.isfile(conf):
        files.append((SYSCTL_CONF, _read(conf, SYSCTL_CONF)))
    return files, masked


def boot_value(key: str, root: str = "/") -> BootValue:
    """What `key` will be set to at the next boot, and every file that assigns it."""
    files, masked = config_files(root)
    settings = evaluate(key, files)
    source = settings[-1] if settings else None
    return BootValue(
        key=normalize_key(key),
        value=source.value if source else None,
        source=source,
        settings=settings,
        masked=tuple(masked),
    )
