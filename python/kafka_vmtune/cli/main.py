"""kafka-vmtune command line: inspect, whatif, check (and fleet, when installed).

Every error reaches the operator as one line `kafka-vmtune: error: ...` on stderr with a
non-zero exit (2; 3 = UNKNOWN for `check`, the Nagios convention), and nothing is written.
`check` also prints `KAFKA-VMTUNE UNKNOWN - <reason>` on stdout: monitoring shows stdout.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .. import __version__, settings
from ..contracts import HostReport
from ..errors import InputError, VmtuneError
from ..settings import SETTINGS
from ..sizing.recommend import level_code

PROG = "kafka-vmtune"
USAGE_ERROR = 2
NAGIOS_UNKNOWN = 3


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and a per-command exit code."""

    error_code = USAGE_ERROR
    nagios = False  # a monitoring check: the UNKNOWN line goes to stdout too

    def error(self, message: str) -> NoReturn:
        sys.exit(report_error(message, self.error_code, nagios=self.nagios))


def report_error(message: str, code: int, *, nagios: bool = False) -> int:
    """Say why on stderr (and, for a monitoring check, on stdout too); return the exit code."""
    from ..report.render import printable

    message = printable(message).replace("\n", "\\n")  # one line, whatever a path holds
    if nagios:
        print(f"KAFKA-VMTUNE UNKNOWN - {message}")
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def _add_target(p: argparse.ArgumentParser) -> None:
    who = p.add_mutually_exclusive_group()
    who.add_argument("--pid", help="broker PID (default: the unit's, else search)")
    who.add_argument("--unit", help="systemd unit of the broker, e.g. kafka.service")
    p.add_argument(
        "--server-properties", metavar="P", help="server.properties (default: from the cmdline)"
    )
    # Values are checked by kafka_vmtune.settings, the same rules as the Ansible variables.
    for name in ("headroom", "floor", "leak_fraction", "sysctl_file"):
        s = SETTINGS[name]
        p.add_argument("--" + name.replace("_", "-"), help=f"{s.help} (default {s.default})")


TOP_PROCESSES = 5  # `inspect` lists the processes holding the most map areas
_OPTION_OF = {"warn_ratio": "--warn", "critical_ratio": "--critical"}


def _inspect(
    args: argparse.Namespace, warn: Any, critical: Any, top_processes: int = 0
) -> HostReport:
    from ..pipeline import inspect_host

    try:
        return inspect_host(
            top_processes=top_processes,
            pid=args.pid,
            unit=args.unit,
            server_properties=args.server_properties,
            headroom=args.headroom,
            floor=args.floor,
            warn_ratio=warn,
            critical_ratio=critical,
            sysctl_file=args.sysctl_file,
            leak_fraction=args.leak_fraction,
        )
    except InputError as e:
        # The settings speak Ansible variable names; here they are options.
        msg = str(e)
        for name, s in SETTINGS.items():
            msg = msg.replace(s.var, _OPTION_OF.get(name, "--" + name.replace("_", "-")))
        raise InputError(msg) from None


def cmd_inspect(args: argparse.Namespace) -> int:
    from ..report.render import host_report

    # A person looking at one host also sees who else holds many map areas.
    report = _inspect(args, None, None, top_processes=TOP_PROCESSES)
    print(json.dumps(report, indent=2) if args.json else host_report(report))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from ..report import prometheus
    from ..report.render import printable

    if args.prometheus:
        prometheus.check_target(args.prometheus)
    report = _inspect(args, args.warn, args.critical)
    st = report["status"]
    rec = report["recommendation"]
    used = "n/a" if st["used"] is None else str(st["used"])
    limit = st["live"]
    warn = float(settings.number(settings.parse("warn_ratio", args.warn)))
    critical = float(settings.number(settings.parse("critical_ratio", args.critical)))
    thresholds = f"{int(limit * warn)};{int(limit * critical)};0;{limit}"
    # The crashes the host report found (kafka_vmtune_crash_days, 7 by default): one scan.
    crashes = report.get("crashes") or []
    from_limit = sum(1 for c in crashes if c.get("cause") == "vm.max_map_count")
    perf = [f"required={rec['required']};{thresholds}", f"crashes={len(crashes)}"]
    if st["used"] is not None:
        perf.insert(0, f"used={st['used']};{thresholds}")
    if args.prometheus:
        text = prometheus.render(report) + prometheus.render_crashes(crashes)
        prometheus.write_atomic(args.prometheus, text)
    crash_text = (
        f", {len(crashes)} crash(es) ({from_limit} from vm.max_map_count)" if crashes else ""
    )
    print(
        f"KAFKA-VMTUNE {st['level'].upper()} - used {used} of {limit} map areas,"
        f" required {rec['required']}, recommended {rec['recommended']}{crash_text}"
        f" | {' '.join(perf)}"
    )
    for reason in st["reasons"]:
        print(printable(reason).replace("\n", "\\n"))  # reasons quote the host's names
    return level_code(st["level"])


def _load_yaml(path: str) -> object:
    from ..facts.safe_open import read_bytes

    try:
        text = read_bytes(path).decode("utf-8")
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    deep = InputError(f"{path}: nested too deeply to be a what-if (brokers and topics)")
    if path.endswith(".json"):
        try:
            return json.loads(text)
        except ValueError as e:
            raise InputError(f"{path}: malformed JSON: {e}") from None
        except RecursionError:
            raise deep from None
    try:
        # Optional on a broker host (standard library only there): JSON needs nothing.
        import yaml  # vmtune: optional
    except ImportError:
        raise InputError(f"{path}: reading YAML needs PyYAML; give the what-if as .json") from None
    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise deep from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or type(e).__name__
        raise InputError(f"{path}: malformed YAML{where}: {problem}") from None


_TOPIC_OPTIONS = (
    ("partitions", int),
    ("replication_factor", int),
    ("retention_ms", int),
    ("retention_bytes", int),
    ("segment_ms", int),
    ("segment_bytes", int),
    ("ingress_bytes_per_s", float),
    ("cleanup_policy", str),
    ("compacted_bytes", int),
)


def _whatif_from_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.partitions is None:
        raise InputError("whatif needs --file FILE or at least --partitions")
    topic = {k: getattr(args, k) for k, _ in _TOPIC_OPTIONS if getattr(args, k) is not None}
    topic["name"] = "topics"
    doc: dict[str, Any] = {"brokers": args.brokers, "topics": [topic]}
    for key in ("version", "cpus", "growth"):
        if getattr(args, key) is not None:
            doc[key] = getattr(args, key)
    return doc


def cmd_whatif(args: argparse.Namespace) -> int:
    from ..report.render import whatif_report
    from ..whatif.calculate import whatif_from_dict

    given = [k for k, _ in _TOPIC_OPTIONS if getattr(args, k) is not None]
    if args.file is not None:
        if given:
            raise InputError(f"--file cannot be combined with --{given[0].replace('_', '-')}")
        doc = _load_yaml(args.file)
        if not isinstance(doc, dict):
            raise InputError(f"{args.file}: must be a YAML mapping with brokers and topics")
        label = args.file
    else:
        doc = _whatif_from_options(args)
        label = ""
    for key in ("headroom", "floor", "live_max_map_count", "leak_fraction"):
        if getattr(args, key) is not None:
            doc[key] = getattr(args, key)
    try:
        brokers = [b.as_dict() for b in whatif_from_dict(doc)]
    except InputError as e:
        msg = str(e)
        if not label:
            # One topic from options: name the option, not the YAML path.
            field, _, rest = msg.partition(": ")
            prefix = "topics[0]."
            bare = field[len(prefix) :] if field.startswith(prefix) else field
            option = args.option_names.get(bare, "--" + bare.replace("_", "-"))
            raise InputError(f"{option}: {rest}") from None
        raise InputError(f"{label}: {msg}") from None
    if args.json:
        print(json.dumps({"schema": 2, "brokers": brokers}, indent=2))
    else:
        print(whatif_report(brokers))
    return 0


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """`90s`, `30m`, `12h`, `7d`, `2w`, or combined (`1h30m`) -> seconds."""
    total, number = 0.0, ""
    for ch in text.strip():
        if ch.isdigit():
            number += ch
        elif ch in _UNITS and number:
            total += int(number) * _UNITS[ch]
            number = ""
        else:
            number = "x"
            break
    if number or total <= 0:
        raise InputError(f"--since {text!r}: expected a duration such as 30m, 12h, 7d or 1h30m")
    return total


def cmd_diagnose(args: argparse.Namespace) -> int:
    from ..facts import crashes
    from ..report import crash_report

    since = parse_duration(args.since) if args.since is not None else None
    report = crashes.diagnose(args.search, since)
    if args.json:
        print(json.dumps({k: report[k] for k in ("schema", "crashes")}, indent=2))
    else:
        print(crash_report.render(report))
    return crash_report.exit_code(report)


def _register_fleet(sub: Any) -> None:
    """Add `fleet` when fleet.py is installed; a broken fleet.py is an error, not a skip."""
    try:
        fleet = importlib.import_module(f"{__package__}.fleet")
    except ImportError:
        if os.path.exists(os.path.join(os.path.dirname(__file__), "fleet.py")):
            raise
        return
    fleet.register(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Size, check and report vm.max_map_count for Kafka brokers.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("inspect", help="what this host's broker maps, needs and should set")
    _add_target(p)
    p.add_argument("--json", action="store_true", help="the host report as JSON")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("whatif", help="what-if model for brokers and topics that may not exist")
    p.add_argument(
        "--file", metavar="WHATIF.yaml", help="brokers and topics (examples/whatif.yaml)"
    )
    p.add_argument("--brokers", type=int, default=1, help="broker count (default 1)")
    for key, kind in _TOPIC_OPTIONS:
        p.add_argument("--" + key.replace("_", "-"), type=kind, help=argparse.SUPPRESS)
    p.add_argument("--kafka-version", dest="version", help="Kafka version, e.g. 4.0.0")
    p.add_argument("--cpus", type=int, help="CPUs per broker (default 4)")
    p.add_argument("--growth", type=float, help="factor on projected segments (default 1)")
    p.add_argument("--headroom", type=float)
    p.add_argument("--floor", type=int)
    p.add_argument("--leak-fraction", type=float)
    p.add_argument(
        "--live", dest="live_max_map_count", type=int, help="brokers' live vm.max_map_count"
    )
    p.add_argument("--json", action="store_true")
    p.epilog = (
        "one topic set from options: --partitions --replication-factor --retention-ms"
        " --retention-bytes --segment-ms --segment-bytes --ingress-bytes-per-s"
        " --cleanup-policy --compacted-bytes"
    )
    # Errors name the option as typed (--live, not its dest live_max_map_count).
    names = {a.dest: a.option_strings[-1] for a in p._actions if a.option_strings}
    p.set_defaults(func=cmd_whatif, option_names=names)

    p = sub.add_parser("check", help="monitoring check: exit 0 ok, 1 warn, 2 critical, 3 unknown")
    p.error_code = NAGIOS_UNKNOWN
    _add_target(p)
    p.add_argument("--warn", metavar="R", help=f"default {SETTINGS['warn_ratio'].default}")
    p.add_argument("--critical", metavar="R", help=f"default {SETTINGS['critical_ratio'].default}")
    p.add_argument("--prometheus", metavar="FILE", help="also write a node_exporter textfile")
    p.nagios = True
    p.set_defaults(func=cmd_check, error_code=NAGIOS_UNKNOWN, nagios=True)

    p = sub.add_parser(
        "diagnose", help="find JVM crashes and their cause: exit 0 none, 1 found, 2 map limit"
    )
    p.add_argument(
        "--search",
        action="append",
        default=[],
        metavar="PATH",
        help="also read this file or directory (repeatable)",
    )
    p.add_argument("--since", metavar="DURATION", help="only crashes in the last 30m, 12h, 7d...")
    p.add_argument("--json", action="store_true", help='{"schema": 1, "crashes": [...]}')
    p.set_defaults(func=cmd_diagnose, error_code=NAGIOS_UNKNOWN)
    p.error_code = NAGIOS_UNKNOWN

    _register_fleet(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except (VmtuneError, OSError) as e:
        code = int(getattr(args, "error_code", USAGE_ERROR))
        return report_error(str(e), code, nagios=bool(getattr(args, "nagios", False)))
    return code


if __name__ == "__main__":
    sys.exit(main())
