"""Find the Kafka broker on a host and read the configuration it was started with."""

from __future__ import annotations

import os
import subprocess
from typing import NamedTuple

from ..errors import FactsError, InputError
from .safe_open import list_dir, read_bytes
from .versions import kafka_version_from_libs

MAIN_CLASS = "kafka.Kafka"
# java launcher options whose value is the next argument (java --help, JDK 8-21).
_OPTS_WITH_VALUE = frozenset(
    {
        "-cp",
        "-classpath",
        "--class-path",
        "-p",
        "--module-path",
        "--upgrade-module-path",
        "--add-modules",
        "--limit-modules",
        "--add-reads",
        "--add-exports",
        "--add-opens",
        "--patch-module",
        "--enable-native-access",
        "--source",
    }
)
_CLASSPATH_OPTS = ("-cp", "-classpath", "--class-path")


def _read_cmdline(pid: int, proc: str) -> tuple[str, ...]:
    with open(f"{proc}/{pid}/cmdline", "rb") as f:
        raw = f.read()
    return tuple(a.decode("utf-8", "replace") for a in raw.split(b"\0")[:-1])


def main_class_index(argv: tuple[str, ...]) -> int | None:
    """Index in a java command line of the main class (first argument after the options)."""
    if not argv or not os.path.basename(argv[0]).startswith("java"):
        return None
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg in _OPTS_WITH_VALUE:
            i += 2
            continue
        if arg in ("-jar", "-m", "--module") or arg.startswith(("--module=", "@")):
            return None  # a jar's or module's own main class, or an @argfile we do not expand
        if not arg.startswith("-"):
            return i
        i += 1
    return None


def kafka_command_lines(proc: str = "/proc") -> dict[int, tuple[str, ...]]:
    """PID -> command line of every JVM whose main class is kafka.Kafka (broker or KRaft
    controller), in PID order: the one search for running brokers."""
    found: dict[int, tuple[str, ...]] = {}
    for name in sorted(os.listdir(proc), key=lambda n: (len(n), n)):
        if not name.isdigit():
            continue
        try:
            argv = _read_cmdline(int(name), proc)
        except OSError:
            continue
        idx = main_class_index(argv)
        if idx is not None and argv[idx] == MAIN_CLASS:
            found[int(name)] = argv
    return found


def not_a_broker(pid: int, proc: str = "/proc") -> str | None:
    """None when `pid` is a JVM whose main class is kafka.Kafka, else what it is instead
    (the same test as the search for brokers, for a PID the operator names)."""
    try:
        argv = _read_cmdline(pid, proc)
    except OSError as e:
        return f"PID {pid}: cannot read its command line: {e.strerror}"
    idx = main_class_index(argv)
    if idx is not None and argv[idx] == MAIN_CLASS:
        return None
    shown = " ".join(argv)
    shown = shown if len(shown) <= 120 else shown[:117] + "..."
    what = f"its main class is {argv[idx]}" if idx is not None else "it is not a Java process"
    return (
        f"PID {pid} is not a Kafka broker: {what} ({shown!r}), not a JVM with main class"
        f" {MAIN_CLASS}"
    )


def find_kafka_pids(proc: str = "/proc") -> list[int]:
    """PIDs of JVMs whose main class is kafka.Kafka (a broker and/or KRaft controller)."""
    return sorted(kafka_command_lines(proc))


def unit_main_pid_or_reason(unit: str) -> tuple[int | None, str | None]:
    """(MainPID of a systemd unit, None) or (None, why there is none) for the operator."""
    try:
        out = subprocess.run(
            ["systemctl", "show", "-p", "MainPID", "--value", unit],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None, "systemd is not available (no systemctl command)"
    except subprocess.TimeoutExpired:
        return None, "systemctl did not answer within 30 s"
    if out.returncode != 0:
        detail = (out.stderr.strip().splitlines() or [f"exit code {out.returncode}"])[0]
        # sd_booted(): systemd runs as init exactly when this directory exists.
        if not os.path.isdir("/run/systemd/system"):
            return None, f"systemd is not available ({detail})"
        return None, f"systemctl show {unit} failed: {detail}"
    value = out.stdout.strip()
    if not value.isdigit() or int(value) == 0:
        return None, f"systemd unit {unit} has no running main process"
    return int(value), None


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
        argv = _read_cmdline(pid, proc)
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


_WS = " \t\f"


def _logical_lines(text: str) -> list[str]:
    """Java Properties logical lines: comments and blanks dropped, continuations joined.

    A character-level port of java.util.Properties.LineReader (JDK 17), quirks included
    (a comment never continues, and may follow a continuation; a line emptied by a
    continuation is dropped unless the file ends right there), so that any file Kafka
    accepts reads the same here.
    """
    out: list[str] = []
    n = len(text)
    pos = 0
    buf: list[str] = []
    skip_ws = True
    appended_begin = preceding_bs = skip_lf = False
    while True:
        if pos >= n:
            if buf:
                if preceding_bs:
                    buf.pop()
                out.append("".join(buf))
            return out
        c = text[pos]
        pos += 1
        if skip_lf:
            skip_lf = False
            if c == "\n":
                continue
        if skip_ws:
            if c in _WS or (not appended_begin and c in "\r\n"):
                continue
            skip_ws = appended_begin = False
        if not buf and c in "#!":
            # A comment, also right after a continuation: drop the rest of the natural line.
            while pos < n and text[pos] not in "\r\n":
                pos += 1
            pos += 1
            skip_ws = True
            continue
        if c not in "\r\n":
            buf.append(c)
            preceding_bs = not preceding_bs if c == "\\" else False
            continue
        # End of a natural line.
        if not buf:
            skip_ws = True
            continue
        if pos >= n or not preceding_bs:
            if preceding_bs:
                buf.pop()
            out.append("".join(buf))
            buf = []
            skip_ws = True
            preceding_bs = appended_begin = False
            continue
        buf.pop()  # the continuation backslash
        skip_ws = appended_begin = True
        preceding_bs = False
        skip_lf = c == "\r"


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(s: str) -> str:
    if "\\" not in s:
        return s
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\" or i + 1 == len(s):
            out.append(c)
            i += 1
            continue
        nxt = s[i + 1]
        if nxt == "u":
            digits = s[i + 2 : i + 6]
            try:
                out.append(chr(int(digits, 16)))
            except ValueError:
                raise InputError(f"malformed \\uxxxx escape in properties: {s!r}") from None
            if len(digits) != 4:
                raise InputError(f"malformed \\uxxxx escape in properties: {s!r}")
            i += 6
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        i += 2
    return "".join(out)


def parse_properties(text: str) -> dict[str, str]:
    """Parse Java .properties text like java.util.Properties.load; the last assignment wins."""
    result: dict[str, str] = {}
    for line in _logical_lines(text):
        # The key ends at the first unescaped '=', ':' or whitespace.
        i = 0
        while i < len(line):
            c = line[i]
            if c == "\\":
                i += 2
                continue
            if c in "=:" or c in _WS:
                break
            i += 1
        key = line[:i]
        j = i
        if j < len(line) and line[j] in "=:":
            j += 1
        else:
            # Whitespace ended the key: one '=' or ':' may still follow it.
            while j < len(line) and line[j] in _WS:
                j += 1
            if j < len(line) and line[j] in "=:":
                j += 1
        while j < len(line) and line[j] in _WS:
            j += 1
        rest = line[j:]
        result[_unescape(key)] = _unescape(rest)
    return result


def load_properties(path: str, root: str | None = None) -> dict[str, str]:
    """Read a .properties file as Kafka does (ISO-8859-1 with \\u escapes).

    `root`: the broker's /proc/PID/root when its paths are its own (a container).
    """
    try:
        data = read_bytes(path, root)
    except OSError as e:
        where = f" (inside {root})" if root else ""
        raise InputError(f"cannot read {path}{where}: {e.strerror or e}") from e
    return parse_properties(data.decode("latin-1"))


class BrokerConfig(NamedTuple):
    log_dirs: tuple[str, ...]
    node_id: int | None
    process_roles: tuple[str, ...]
    segment_bytes: int
    segment_ms: int
    retention_ms: int | None  # None = unlimited
    retention_bytes: int | None
    file_delete_delay_ms: int
    remote_cache_bytes: int | None
    num_io_threads: int
    num_network_threads: int
    num_replica_fetchers: int
    log_cleaner_threads: int
    background_threads: int


_HOUR_MS = 3_600_000
_MINUTE_MS = 60_000


def _int(props: dict[str, str], key: str, default: int) -> int:
    raw = props.get(key)
    if raw is None:
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise InputError(f"server.properties: {key}={raw!r} is not a whole number") from None


def _list(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


def broker_config(props: dict[str, str]) -> BrokerConfig:
    """The settings that decide map usage, with Kafka's defaults for anything unset."""
    log_dirs = _list(props.get("log.dirs") or props.get("log.dir") or "/tmp/kafka-logs")
    node = _int(props, "node.id", -1) if "node.id" in props else _int(props, "broker.id", -1)
    if "log.roll.ms" in props:
        segment_ms = _int(props, "log.roll.ms", 0)
    else:
        segment_ms = _int(props, "log.roll.hours", 168) * _HOUR_MS
    if "log.retention.ms" in props:
        retention = _int(props, "log.retention.ms", 0)
    elif "log.retention.minutes" in props:
        retention = _int(props, "log.retention.minutes", 0) * _MINUTE_MS
    else:
        retention = _int(props, "log.retention.hours", 168) * _HOUR_MS
    retention_bytes = _int(props, "log.retention.bytes", -1)
    remote = props.get("remote.log.storage.system.enable", "false").strip().lower() == "true"
    return BrokerConfig(
        log_dirs=log_dirs,
        node_id=node if node >= 0 else None,
        process_roles=_list(props.get("process.roles", "")),
        segment_bytes=_int(props, "log.segment.bytes", 1_073_741_824),
        segment_ms=segment_ms,
        retention_ms=retention if retention >= 0 else None,
        retention_bytes=retention_bytes if retention_bytes >= 0 else None,
        file_delete_delay_ms=_int(props, "file.delete.delay.ms", 60_000),
        remote_cache_bytes=(
            _int(props, "remote.log.index.file.cache.total.size.bytes", 1_073_741_824)
            if remote
            else None
        ),
        num_io_threads=_int(props, "num.io.threads", 8),
        num_network_threads=_int(props, "num.network.threads", 3),
        num_replica_fetchers=_int(props, "num.replica.fetchers", 1),
        log_cleaner_threads=_int(props, "log.cleaner.threads", 1),
        background_threads=_int(props, "background.threads", 10),
    )


def properties_of_command(argv: list[str]) -> str | None:
    """The server.properties a broker command line starts with: the argument after
    kafka.Kafka (java ...), or the first argument of kafka-server-start(.sh). For a unit
    whose broker is down, so its config and log dirs can still be read."""
    idx = main_class_index(tuple(argv))
    if idx is not None and argv[idx] == MAIN_CLASS and idx + 1 < len(argv):
        return argv[idx + 1]
    if argv and os.path.basename(argv[0]).startswith("kafka-server-start"):
        rest = [a for a in argv[1:] if not a.startswith("-")]
        return rest[0] if rest else None
    return None
