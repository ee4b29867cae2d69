"""Find Kafka brokers among a host's processes: JVMs whose main class is kafka.Kafka."""

from __future__ import annotations

import os

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


def read_cmdline(pid: int, proc: str) -> tuple[str, ...]:
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
            argv = read_cmdline(int(name), proc)
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
        argv = read_cmdline(pid, proc)
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
