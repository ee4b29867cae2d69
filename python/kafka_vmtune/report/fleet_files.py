"""Writing the fleet report: a directory of its own, whole files only, the `latest` link.

A reader (or another run writing the same report name) sees a whole old or a whole new file.
"""

from __future__ import annotations

import os
import secrets
import tempfile


def new_report_dir(dest: str, stamp: str) -> str:
    """Create a report directory of its own: `stamp`, else `stamp-2`, `stamp-3`...

    Names have one-second resolution: two runs in the same second must not share one.
    os.mkdir either creates the directory or fails, so no two runs can both get it.
    """
    os.makedirs(dest, exist_ok=True)
    for n in range(1, 10_000):
        path = os.path.join(dest, stamp if n == 1 else f"{stamp}-{n}")
        try:
            os.mkdir(path)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{dest}: 9999 reports named {stamp}* already")


def replace_with(path: str, text: str) -> None:
    """Write a temporary file of a unique name beside path, then rename it over path."""
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def write_files(directory: str, files: dict[str, str]) -> list[str]:
    """Write each file name -> text into directory (created); return the paths, in order."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name, text in files.items():
        path = os.path.join(directory, name)
        replace_with(path, text)
        paths.append(path)
    return paths


def point_latest(directory: str) -> str | None:
    """Make <parent>/latest a symlink to directory, so operators find the newest report."""
    parent, name = os.path.split(os.path.normpath(directory))
    link = os.path.join(parent, "latest")
    if name == "latest" or (os.path.exists(link) and not os.path.islink(link)):
        return None
    while True:  # a link name of our own: concurrent runs never share one
        tmp = os.path.join(parent, f".latest.{os.getpid()}.{secrets.token_hex(6)}")
        try:
            os.symlink(name, tmp)
            break
        except FileExistsError:
            continue
    try:
        os.replace(tmp, link)
    except BaseException:
        os.unlink(tmp)
        raise
    return link
