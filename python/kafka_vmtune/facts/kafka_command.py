"""One broker process read as Kafka's: its server.properties, libs/ folder and version."""

from __future__ import annotations

import os
from typing import NamedTuple

from ..errors import FactsError
from .process_search import main_class_index, read_cmdline
from .safe_open import list_dir
from .versions import kafka_version_from_libs

_CLASSPATH_OPTS = ("-cp", "-classpath", "--class-path")


class KafkaProcess(NamedTuple):
    pid: int
    cmdline: tuple[str, ...]
    server_properties: str | None
    libs_dir: str | None
    version: str | None


def _classpath(argv: tuple[str, ...], end: int) -> str | None:
    for i in range(1, end):
        arg = argv[i]
        if arg in _CLASSPATH_OPTS and i + 1 < end:
            return argv[i + 1]
        if arg.startswith("--class-path="):
            return arg.split("=", 1)[1]
    return None


def _is_kafka_jar(name: str) -> bool:
    return kafka_version_from_libs([name]) is not None


def _libs_dir(classpath: str) -> str | None:
    for entry in classpath.split(":"):
        base = os.path.basename(entry)
        if base == "*" and os.path.basename(os.path.dirname(entry)) == "libs":
            return os.path.dirname(entry)
        if _is_kafka_jar(base):
            return os.path.dirname(entry) or "."
    return None


def _environ_value(pid: int, proc: str, name: str) -> str | None:
    try:
        with open(f"{proc}/{pid}/environ", "rb") as f:
            entries = f.read().split(b"\0")
    except OSError:
        return None
    prefix = name.encode() + b"="
    for e in entries:
        if e.startswith(prefix):
            return e[len(prefix) :].decode("utf-8", "replace")
    return None


def _version_in_libs(pid: int, proc: str, libs: str) -> str | None:
    """Kafka version from the jar names in the broker's libs folder, as the broker sees it.

    Through /proc/PID/root first (a broker in a container has its own filesystem; no
    symlink leaves it), then the path as we see it (a non-root user may read the libs but
    not /proc/PID/root).
    """
    tries = [(libs, f"{proc}/{pid}/root")] if libs.startswith("/") else []
    for folder, root in [*tries, (libs, None)]:
        try:
            return kafka_version_from_libs(list_dir(folder, root))
        except OSError:
            continue
    return None


def describe_kafka_process(pid: int, proc: str = "/proc") -> KafkaProcess:
    """The broker's command line, server.properties, libs/ folder and Kafka version."""
    try:
        argv = read_cmdline(pid, proc)
    except OSError as e:
        raise FactsError(f"process {pid} is gone or unreadable: {e.strerror}") from e
    if not argv:
        raise FactsError(f"process {pid} has no command line (exited or a kernel thread)")
    try:
        cwd: str | None = os.readlink(f"{proc}/{pid}/cwd")
    except OSError:
        cwd = None

    def absolute(path: str) -> str:
        # Relative paths on the command line are relative to the broker's working directory.
        return os.path.normpath(os.path.join(cwd, path)) if cwd else path

    idx = main_class_index(argv)
    end = idx if idx is not None else len(argv)
    props = absolute(argv[idx + 1]) if idx is not None and idx + 1 < len(argv) else None
    classpath = _classpath(argv, end) or _environ_value(pid, proc, "CLASSPATH")
    libs = _libs_dir(classpath) if classpath else None
    libs = absolute(libs) if libs else None
    version = _version_in_libs(pid, proc, libs) if libs else None
    if version is None and classpath:
        version = kafka_version_from_libs(classpath.split(":"))
    return KafkaProcess(
        pid=pid, cmdline=argv, server_properties=props, libs_dir=libs, version=version
    )
