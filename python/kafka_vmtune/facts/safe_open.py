"""Opening files as code that runs as root must: regular files only, never blocking, and
confined to a root (a broker's /proc/PID/root) that no symlink can lead out of.

Every file kafka-vmtune reads (server.properties, sysctl files, evidence, its own files) is
opened here. O_NONBLOCK: opening a FIFO with no writer would wait forever (the exporter
timer runs `check` as root every minute); fstat() then refuses anything not regular.
Under /proc/PID/root the kernel resolves an absolute symlink against our root, not the
broker's: a container's `server.properties -> /etc/shadow` would read the host's file. The
walk below resolves every component itself, as openat2(RESOLVE_IN_ROOT) would (not in
Python's standard library): absolute targets and `..` stop at the root.
"""

from __future__ import annotations

import errno
import os
import stat

MAX_LINKS = 40  # the kernel's own limit on symlinks followed in one path walk
_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY


class NotRegularFileError(OSError):
    """A path that names a FIFO, socket, device or directory where a file was expected."""


def kind(mode: int) -> str:
    """What a file is, in the words of `ls -l`'s first column."""
    for test, name in (
        (stat.S_ISREG, "regular file"),
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISLNK, "symlink"),
    ):
        if test(mode):
            return name
    return "special file"


def _not_regular(path: str, mode: int) -> NotRegularFileError:
    return NotRegularFileError(errno.EINVAL, f"not a regular file (a {kind(mode)})", path)


def _components(path: str) -> list[str]:
    return [c for c in path.split("/") if c and c != "."]


def resolve_in_root(root: str, path: str) -> tuple[int, str]:
    """(O_PATH descriptor, canonical path inside root) of `path` as seen from `root`.

    Symlinks are followed as if root were "/": an absolute target restarts at root, `..`
    never climbs above it. The caller closes the descriptor.
    """
    try:
        return _walk(root, path)
    except OSError as e:
        if isinstance(e, NotRegularFileError) or e.filename == path:
            raise
        raise OSError(e.errno, e.strerror, path) from None  # name the path asked for


def _walk(root: str, path: str) -> tuple[int, str]:
    root_fd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    stack: list[tuple[int, str]] = []  # (descriptor, name) of each directory below root
    todo = _components(path)
    links = 0
    try:
        while todo:
            name = todo.pop(0)
            cur = stack[-1][0] if stack else root_fd
            if name == "..":
                if stack:
                    os.close(stack.pop()[0])
                continue
            fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=cur)
            if stat.S_ISLNK(os.fstat(fd).st_mode):
                os.close(fd)
                links += 1
                if links > MAX_LINKS:
                    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
                target = os.readlink(name, dir_fd=cur)
                if target.startswith("/"):
                    while stack:
                        os.close(stack.pop()[0])
                todo = _components(target) + todo
                continue
            stack.append((fd, name))
        canonical = "/" + "/".join(n for _, n in stack)
        if stack:
            final = stack.pop()[0]
        else:
            final, root_fd = root_fd, -1
        return final, canonical
    finally:
        for fd, _ in stack:
            os.close(fd)
        if root_fd >= 0:
            os.close(root_fd)


def open_regular(path: str, root: str | None = None) -> int:
    """A read-only descriptor of the regular file `path` (inside `root` when given).

    NotRegularFileError for a FIFO, socket, device or directory; OSError as open(2) fails.
    """
    if root is None:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(path, st.st_mode)  # not even opened: a device may react to it
        fd = os.open(path, _FLAGS)
    else:
        handle, _ = resolve_in_root(root, path)
        try:
            st = os.fstat(handle)
            if not stat.S_ISREG(st.st_mode):
                raise _not_regular(path, st.st_mode)
            fd = os.open(f"/proc/self/fd/{handle}", _FLAGS)
        finally:
            os.close(handle)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):  # replaced between the check and the open
        os.close(fd)
        raise _not_regular(path, st.st_mode)
    return fd


def read_bytes(path: str, root: str | None = None, limit: int | None = None) -> bytes:
    """The file's content (its first `limit` bytes when given)."""
    fd = open_regular(path, root)
    with os.fdopen(fd, "rb") as f:
        return f.read() if limit is None else f.read(limit)


def read_text(path: str, root: str | None = None) -> str:
    """The file as UTF-8 text (undecodable bytes replaced)."""
    return read_bytes(path, root).decode("utf-8", "replace")


def list_dir(path: str, root: str | None = None) -> list[str]:
    """Names in a directory (inside `root` when given)."""
    if root is None:
        return os.listdir(path)
    handle, _ = resolve_in_root(root, path)
    try:
        fd = os.open(f"/proc/self/fd/{handle}", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    finally:
        os.close(handle)
    try:
        return os.listdir(fd)
    finally:
        os.close(fd)
