"""Where a broker's crash evidence is, found without being told.

The JVM writes its hs_err file where `-XX:ErrorFile` says, else in its working directory,
else in /tmp; Kafka's scripts write server.log and the console (kafkaServer.out) to
`LOG_DIR` (default `<kafka>/logs`, passed as `-Dkafka.logs.dir`); under systemd the console
goes to the journal. Read from running brokers (/proc) and from the systemd units of
brokers that are down (`systemctl show`), so a broker that died is found too.

Any user can start a JVM whose main class is kafka.Kafka. Its options name the places
root then reads, so a JVM counts as a broker only when it runs as root, in a Kafka
systemd unit (its cgroup), or as the User= of a Kafka unit; the others are listed as
refused. Evidence found in the discovered places counts only when owned by root or by a
broker's user (evidence.Reader): a file anyone can drop in /tmp proves nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shlex
import subprocess
from collections.abc import Iterable
from typing import NamedTuple

from .process_search import kafka_command_lines, main_class_index
from .systemd import exec_argv, show_properties

UNIT_WORDS = ("kafka", "confluent-server")
JOURNAL_ENTRIES = 20_000  # the newest entries per unit, enough for days of a broker's console
_TIMEOUT = 30


class Places:
    """Directories (their files, not subdirectories), single files, hs_err name patterns
    from -XX:ErrorFile, and systemd units whose journal is read."""

    def __init__(self) -> None:
        self.dirs: list[str] = []
        self.files: list[str] = []
        self.patterns: set[str] = set()
        self.units: list[str] = []
        self.owners: set[int] = {0}  # uids whose files count as evidence: root, brokers' users
        self.trusted: set[str] = set()  # --search places: the operator named them
        self.refused: list[str] = []  # JVMs not taken for brokers, and why

    def add_dir(self, path: str | None) -> None:
        if path and os.path.isabs(path) and path not in self.dirs:
            self.dirs.append(path)


def _run(argv: list[str]) -> str | None:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def _add_java_options(places: Places, words: Iterable[str], cwd: str | None) -> None:
    """-XX:ErrorFile and -Dkafka.logs.dir among java options (or KAFKA_OPTS words)."""
    for word in words:
        if word.startswith("-XX:ErrorFile="):
            target = word.split("=", 1)[1]
            if cwd and not os.path.isabs(target):
                target = os.path.join(cwd, target)
            places.add_dir(os.path.dirname(target))
            # %p is the PID, %% a percent sign: any file named so is an hs_err file.
            places.patterns.add(os.path.basename(target).replace("%p", "*").replace("%%", "%"))
        elif word.startswith("-Dkafka.logs.dir="):
            places.add_dir(word.split("=", 1)[1])


def _environment(words: Iterable[str]) -> dict[str, str]:
    return dict(w.split("=", 1) for w in words if "=" in w)


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _cgroup_unit(pid: int, proc: str) -> str | None:
    """The system service whose cgroup holds the process (None: a user's session, or none)."""
    try:
        with open(f"{proc}/{pid}/cgroup", encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" or controllers == "name=systemd":
            if path.startswith("/user.slice") or "/user@" in path:
                return None  # a unit a user started (systemd --user), not the system's
            last = path.rstrip("/").rsplit("/", 1)[-1]
            if last.endswith(".service"):
                return last
    return None


def broker_trust(pid: int, proc: str, places: Places) -> str | None:
    """None when the kafka.Kafka JVM `pid` is taken for a broker, else why it is not."""
    try:
        uid = os.stat(f"{proc}/{pid}").st_uid
    except OSError:
        return f"PID {pid}: gone"
    if uid == 0 or uid in places.owners or _cgroup_unit(pid, proc) in places.units:
        places.owners.add(uid)
        return None
    return (
        f"PID {pid} runs kafka.Kafka as user {user_name(uid)}, neither root nor a Kafka unit's"
        " user nor in a Kafka unit: not taken for a broker, the places its command line"
        " names are not searched"
    )


def add_running_brokers(
    places: Places, proc: str = "/proc", brokers: dict[int, tuple[str, ...]] | None = None
) -> None:
    """What every running kafka.Kafka JVM was started with: options, cwd, LOG_DIR.
    `brokers`: those JVMs' command lines when the caller has searched `proc` already."""
    if brokers is None:
        try:
            brokers = kafka_command_lines(proc)
        except OSError:
            return
    for pid, argv in brokers.items():
        why = broker_trust(pid, proc, places)
        if why is not None:
            places.refused.append(why)
            continue
        idx = main_class_index(argv) or len(argv)  # found by it: never None here
        try:
            cwd: str | None = os.readlink(f"{proc}/{pid}/cwd")
        except OSError:
            cwd = None
        places.add_dir(cwd)
        _add_java_options(places, argv[:idx], cwd)
        try:
            with open(f"{proc}/{pid}/environ", "rb") as f:
                env = [e.decode("utf-8", "replace") for e in f.read().split(b"\0")]
        except OSError:
            env = []
        places.add_dir(_environment(env).get("LOG_DIR"))


def systemd_running() -> bool:
    """sd_booted(3): systemd is the service manager here (else systemctl only waits)."""
    return os.path.isdir("/run/systemd/system")


def kafka_units() -> list[str]:
    """Service units whose name says Kafka (kafka.service, confluent-server.service)."""
    if not systemd_running():
        return []
    out = _run(["systemctl", "list-unit-files", "--type=service", "--no-legend", "--plain"])
    if out is None:
        return []
    units = []
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        if name.endswith(".service") and any(w in name for w in UNIT_WORDS):
            units.append(name)
    return units


def add_unit(places: Places, unit: str) -> None:
    """A broker unit's ExecStart, WorkingDirectory and Environment, running or not."""
    out = _run(
        [
            "systemctl",
            "show",
            unit,
            "-p",
            "ExecStart",
            "-p",
            "WorkingDirectory",
            "-p",
            "Environment",
            "-p",
            "User",
        ]
    )
    if out is None:
        return
    props = show_properties(out)
    # The broker's user: its hs_err files are its own. A user that does not exist here
    # (DynamicUser=) is trusted with nothing.
    with contextlib.suppress(KeyError):
        places.owners.add(pwd.getpwnam(props["User"]).pw_uid if props.get("User") else 0)
    cwd = props.get("WorkingDirectory") or "/"  # systemd's default for system services
    places.add_dir(cwd)
    argv = exec_argv(props.get("ExecStart", ""))
    try:
        env_words = shlex.split(props.get("Environment", ""))
    except ValueError:
        env_words = props.get("Environment", "").split()
    env = _environment(env_words)
    # kafka-run-class.sh: LOG_DIR defaults to <kafka>/logs next to bin/.
    script = next((a for a in argv if a.endswith("kafka-server-start.sh")), None)
    default_logs = (
        os.path.join(os.path.dirname(os.path.dirname(script)), "logs") if script else None
    )
    places.add_dir(env.get("LOG_DIR") or default_logs)
    java_words = list(argv)
    for key in ("KAFKA_OPTS", "KAFKA_HEAP_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_LOG4J_OPTS"):
        java_words += env.get(key, "").split()
    _add_java_options(places, java_words, cwd)
    if unit not in places.units:
        places.units.append(unit)


class JournalLine(NamedTuple):
    time: float  # epoch seconds
    pid: int | None
    text: str


def parse_journal_json(text: str) -> list[JournalLine]:
    """`journalctl -o json` lines: MESSAGE (a string, or bytes as a list of ints)."""
    lines = []
    for raw in text.splitlines():
        try:
            entry = json.loads(raw)
            stamp = int(entry["__REALTIME_TIMESTAMP"]) / 1e6
        except (ValueError, KeyError, TypeError):
            continue
        msg = entry.get("MESSAGE")
        if isinstance(msg, list):
            msg = bytes(b & 0xFF for b in msg if isinstance(b, int)).decode("utf-8", "replace")
        if not isinstance(msg, str):
            continue
        pid = entry.get("_PID")
        lines.append(JournalLine(stamp, int(pid) if str(pid).isdigit() else None, msg))
    return lines


def read_journal(unit: str, since: float | None) -> list[JournalLine]:
    """The unit's newest journal entries (its console and systemd's own lines about it)."""
    argv = ["journalctl", "-u", unit, "-o", "json", "--no-pager", "-n", str(JOURNAL_ENTRIES)]
    if since is not None:
        argv.append(f"--since=@{int(since)}")
    out = _run(argv)
    return parse_journal_json(out) if out else []


def discover(
    search: Iterable[str], tmp: str = "/tmp", brokers: dict[int, tuple[str, ...]] | None = None
) -> Places:
    """Every place to look: running brokers, broker units, /tmp, and --search paths."""
    places = Places()
    # Units first: their users and cgroups say which running JVMs are brokers.
    for unit in kafka_units():
        add_unit(places, unit)
    add_running_brokers(places, brokers=brokers)
    places.add_dir(tmp)
    for given in search:
        path = os.path.abspath(given)
        places.trusted.add(os.path.realpath(path))
        if os.path.isdir(path):
            places.add_dir(path)
        elif path not in places.files:
            places.files.append(path)
    return places
