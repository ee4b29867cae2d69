"""On a broker host, import this package from compiled files instead of Ansible's zip.

Ansible ships module_utils to a host inside the module's zip, and zipimport keeps no
bytecode: every run compiles every module from source again, 30 ms of the kafka_facts
module's 200 ms (a fleet check pays it on every host, every time). So, the first time a
payload is seen, its files are written once to a private directory and compiled there with
compileall; the package's __path__ then points at that directory, and Python's own importer
loads the bytecode (and checks it against the source, as for any installed package).

The directory is trusted only as root trusts __pycache__: it and every directory above it
must belong to this user or to root and be writable by no one else (sticky /tmp aside);
a payload is written to a new private temporary directory and renamed into place whole.
Anything unexpected (another owner, a loose mode, a read-only disk) leaves the package on
the zip, as before: the cache can make a run faster, never make it fail. With
PYTHONDONTWRITEBYTECODE set for the module (Ansible's `environment:`), no copy is made.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import sys
import tempfile
import zipfile
from types import ModuleType

# Where: $XDG_CACHE_HOME/kafka-vmtune/python, else ~/.cache/kafka-vmtune/python.
SUBDIR = ("kafka-vmtune", "python")
# A copy no run has used for this long (an older release's) goes when a new one is made.
UNUSED_DAYS = 30


def cache_root() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, *SUBDIR)


def _private(path: str, uid: int) -> bool:
    """`path` and each directory above it are real directories no other user can change."""
    path = os.path.abspath(path)
    while True:
        try:
            st = os.lstat(path)
        except OSError:
            return False
        if not stat.S_ISDIR(st.st_mode) or st.st_uid not in (uid, 0):
            return False
        if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def _make_private_dirs(path: str, uid: int) -> bool:
    """`path` made (mode 0700) where missing, inside directories that are all private."""
    if _private(path, uid):
        return True
    parent = os.path.dirname(path)
    if parent == path or not _make_private_dirs(parent, uid):
        return False
    try:
        os.mkdir(path, 0o700)
    except OSError:
        return False
    return _private(path, uid)


def _members(archive: str, prefix: str) -> list[zipfile.ZipInfo]:
    """The package's .py files in the zip."""
    with zipfile.ZipFile(archive) as z:
        return [
            i for i in z.infolist() if i.filename.startswith(prefix) and i.filename.endswith(".py")
        ]


def _write(into: str, archive: str, prefix: str, final: str) -> None:
    import compileall

    with zipfile.ZipFile(archive) as z:
        for info in _members(archive, prefix):
            path = os.path.join(into, info.filename[len(prefix) :])
            os.makedirs(os.path.dirname(path), 0o700, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(z.read(info))  # checked against the CRC the name was made from
    # ddir: tracebacks name the files where they will be, not this temporary directory.
    if not compileall.compile_dir(into, quiet=2, ddir=final):
        raise OSError(f"compileall failed in {into}")


def compiled_copy(archive: str, prefix: str, root: str) -> str | None:
    """The directory holding this payload's package compiled (made on first use), or None."""
    uid = os.geteuid()
    if not _make_private_dirs(root, uid):
        return None
    # Named after each file's name, size and CRC-32 (the zip's own index: nothing to unpack
    # on the runs that find the copy made).
    digest = hashlib.sha256()
    for info in sorted(_members(archive, prefix), key=lambda i: i.filename):
        digest.update(f"{info.filename}\0{info.file_size}\0{info.CRC}\n".encode())
    final = os.path.join(root, f"{sys.implementation.cache_tag}-{digest.hexdigest()[:24]}")
    if os.path.isdir(final):
        with contextlib.suppress(OSError):  # a read-only cache still serves
            os.utime(final)  # in use: see _prune
    else:
        tmp = tempfile.mkdtemp(prefix=".new-", dir=root)
        # "Now" as the file system stamps it, the clock the copies' times were set by
        # (not time.time(), which a shifted process clock would move).
        now = os.stat(tmp).st_mtime
        try:
            _write(tmp, archive, prefix, final)
            os.rename(tmp, final)  # whole, or not at all; a concurrent run may win the race
        except (OSError, zipfile.BadZipFile):
            shutil.rmtree(tmp, ignore_errors=True)
        _prune(root, now - UNUSED_DAYS * 86400, keep=os.path.basename(final))
    return final if _private(final, uid) else None


def _prune(root: str, before: float, keep: str) -> None:
    """Remove the copies (and half-written ones) last used before `before`, but `keep`."""
    for name in os.listdir(root):
        path = os.path.join(root, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if name != keep and stat.S_ISDIR(st.st_mode) and st.st_mtime < before:
            shutil.rmtree(path, ignore_errors=True)


def use_compiled(package: ModuleType) -> None:
    """Point `package` (imported from Ansible's zip) at its compiled copy, if one can be had."""
    archive = getattr(getattr(package, "__loader__", None), "archive", None)
    # PYTHONDONTWRITEBYTECODE (or -B), Python's own switch, turns the copy off too.
    if not archive or len(package.__path__) != 1 or sys.dont_write_bytecode:
        return
    prefix = os.path.relpath(package.__path__[0], archive).replace(os.sep, "/") + "/"
    try:
        found = compiled_copy(archive, prefix, cache_root())
    except (OSError, zipfile.BadZipFile):
        return
    if found is not None:
        package.__path__[:] = [found]
