"""Plain-text tables for people: the host report and the what-if."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Sequence

from ..contracts import HostReport, Model, Plan, Recommendation, Status, Sysctl, WhatIfBroker

# Terminal width the text output fits; `--json` and the Markdown report keep everything.
WIDTH = 120
# A last column narrower than this goes under its row instead of beside it.
NOTE_MIN = 50


def wrap_line(line: str, width: int = WIDTH) -> list[str]:
    """A long line wrapped at spaces, continued 4 columns further in than it starts."""
    if len(line) <= width:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    parts = textwrap.wrap(
        line,
        width,
        subsequent_indent=indent + "    ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return parts or [line]


# Bidirectional overrides and isolates: they reorder what a terminal shows.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """text with control characters shown as escapes (\\x1b, \\u202e), newlines and tabs kept.

    Directory names, hs_err text, unit and file names come from the host, where anyone
    may write them: an ESC sequence printed raw could rewrite or hide the operator's screen.
    """
    if text.isprintable():
        return text
    out = []
    for c in text:
        if c in "\n\t" or (unicodedata.category(c) != "Cc" and c not in _BIDI):
            out.append(c)
        else:
            out.append(f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
    return "".join(out)


def fit(text: str, width: int = WIDTH) -> str:
    """Every line of text at most `width` columns (words longer than that stay whole), with
    control characters escaped (printable())."""
    text = printable(text)
    return "\n".join(part for line in text.splitlines() for part in wrap_line(line, width))


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    right: set[int],
    width: int = WIDTH,
    titles: Sequence[str] | None = None,
) -> str:
    """A left/right aligned text table; `right` holds the indexes of numeric columns.

    When the table is wider than `width`, the last column (free text) is wrapped inside its
    column, or put under its row when too little room is left for it. `titles`, one per
    row, head each row on a line of its own (a name too long for a column).
    """
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    head_width = sum(widths[:-1]) + 2 * (len(widths) - 1)
    room = width - head_width
    if head_width + widths[-1] > width:
        widths[-1] = room if room >= NOTE_MIN else 0

    def line(row: list[str]) -> str:
        parts = [
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))
        ]
        return "  ".join(parts).rstrip()

    def row_lines(row: list[str]) -> list[str]:
        *head, note = row
        longest = max((len(word) for word in note.split()), default=0)
        if widths[-1] == 0 or longest > widths[-1]:  # the note goes under the row
            return [
                line([*head, ""]),
                *textwrap.wrap(note, width, initial_indent="    ", subsequent_indent="    "),
            ]
        chunks = textwrap.wrap(note, widths[-1], break_long_words=False) or [""]
        return [line([*head, chunks[0]])] + [" " * head_width + c for c in chunks[1:]]

    out = [line(cells[0] if widths[-1] else [*cells[0][:-1], ""])]
    out.append(line(["-" * w for w in widths]))
    for i, r in enumerate(cells[1:]):
        out += [titles[i]] if titles is not None else []
        out += row_lines(r)
    return "\n".join(out)


def model_table(model: Model) -> str:
    rows: list[list[object]] = [
        [t["symbol"], t["name"], t["count"], t["per_unit"], t["areas"], t["source"], t["detail"]]
        for t in model["terms"]
    ]
    body = table(
        ["term", "what", "count", "x", "areas", "source", "where it comes from"],
        rows,
        right={2, 3, 4},
    )
    total = (
        f"base {model['base']} areas x headroom {model['headroom']:g}"
        f" = required {model['required']}"
    )
    return f"{body}\n{total}"


def recommendation_text(rec: Recommendation) -> str:
    nofile = rec["nofile"]
    live = "unknown" if nofile["live"] is None else nofile["live"]
    return "\n".join(
        [
            f"vm.max_map_count: {rec['action']} -> {rec['recommended']} ({rec['reason']})",
            f"open files (LimitNOFILE): live {live}, required {nofile['required']},"
            f" recommended {nofile['recommended']} ({nofile.get('detail', '')})",
        ]
    )


def plan_text(plan: Plan) -> str:
    """What tune-vm.yml does here: live now and after a reboot, each decision with its reason."""
    lines = [
        f"plan: {plan['action']} (target {plan['target']}, after a reboot {plan['after_reboot']})"
    ]
    for key in ("raise_live", "persist", "restart"):
        decision = plan[key]
        lines.append(f"  {'do ' if decision['do'] else 'no '} {decision['reason']}")
    return "\n".join(lines)


def status_text(status: Status) -> str:
    used = "n/a" if status["used"] is None else status["used"]
    head = f"status {status['level'].upper()}: used {used} / live {status['live']}"
    return "\n".join([head] + [f"  - {r}" for r in status["reasons"]])


def _sysctl_text(s: Sysctl) -> str:
    boot = "not set in any sysctl file (kernel default at boot)"
    if s.get("boot_refused"):
        boot = f"kernel default: {s['boot_refused']}"
    elif s["boot_value"] is not None:
        boot = f"{s['boot_value']} from {s['boot_source']}"
    lines = [
        f"vm.max_map_count live {s['live']} ({'writable' if s['writable'] else 'read-only'}),"
        f" at boot: {boot}"
    ]
    for st in s["settings"]:
        lines.append(f"  set in {st['path']}:{st['line']} = {st['value']}")
    if s["overridden_by"]:
        lines.append(f"  {s['ours']} is overridden by: {', '.join(s['overridden_by'])}")
    return "\n".join(lines)


def host_report(report: HostReport) -> str:
    """`kafka-vmtune inspect`: the host report for a terminal."""
    k = report["kafka"]
    parts = [f"kafka-vmtune report for {report['hostname']} at {report['generated_at']}"]
    if k["found"]:
        leak = {True: "affected", False: "fixed", None: "unknown"}[k["leak_affected"]]
        proc = report["process"]
        threads = proc["threads"] if proc else "?"
        parts.append(
            f"Kafka PID {k['pid']} version {k['version'] or 'unknown'} (KAFKA-19390 leak: {leak}),"
            f" {threads} threads, config {k['server_properties'] or 'not found'}"
        )
        if k.get("other_pids"):
            parts.append(f"other Kafka processes: {k['other_pids']}")
    else:
        cfg = k["server_properties"]
        parts.append(
            "no running Kafka broker found"
            + (f"; log dirs from {cfg}" if cfg else "; model from defaults")
        )
    m = report["maps"]
    if m:
        parts.append(
            f"maps: {m['total']} areas; index {m['index_areas']} ({m['index_files_mapped']} files,"
            f" {m['leaked']} leaked, {m['deleted']} pending delete), remote cache"
            f" {m['remote_cache']}, other {m['other']}"
        )
    d = report["disk"]
    if d:
        parts.append(
            f"disk: {d['partitions']} partitions, {d['segments']} segments,"
            f" {d['index_files']} non-empty index files in {', '.join(d['log_dirs'])}"
        )
        if d["top_topics"]:
            top = ", ".join(f"{t} {n}" for t, n in d["top_topics"][:5])
            parts.append(f"  largest topics (index files): {top}")
    parts.append(_sysctl_text(report["sysctl"]))
    parts.append("")
    parts.append(model_table(report["model"]))
    parts.append("")
    parts.append(recommendation_text(report["recommendation"]))
    parts.append(plan_text(report["plan"]))
    parts.append(status_text(report["status"]))
    if report["top_processes"]:
        parts.append("")
        parts.append(
            table(
                ["pid", "process", "map areas"],
                [[p["pid"], p["comm"], p["areas"]] for p in report["top_processes"]],
                right={0, 2},
            )
        )
    return fit("\n".join(parts))


def whatif_report(brokers: Sequence[WhatIfBroker]) -> str:
    """Brokers with the same figures are shown once, as a class."""
    classes: dict[tuple[int, int, int], list[WhatIfBroker]] = {}
    for b in brokers:
        key = (b["replicas"], b["segments"], b["model"]["required"])
        classes.setdefault(key, []).append(b)
    rows = []
    for members in classes.values():
        first = members[0]
        names = ", ".join(m["broker"] for m in members[:4]) + (
            f" (+{len(members) - 4})" if len(members) > 4 else ""
        )
        rec = first["recommendation"]
        rows.append(
            [
                names,
                first["replicas"],
                first["segments"],
                first["model"]["base"],
                first["model"]["required"],
                rec["recommended"],
                rec["nofile"]["recommended"],
            ]
        )
    parts = [
        table(
            ["brokers", "replicas", "segments", "base", "required", "max_map_count", "nofile"],
            rows,
            right={1, 2, 3, 4, 5, 6},
        )
    ]
    worst = max(brokers, key=lambda b: b["model"]["required"])
    parts += ["", f"model of the busiest broker ({worst['broker']}):", model_table(worst["model"])]
    parts += ["", recommendation_text(worst["recommendation"])]
    return fit("\n".join(parts))


def breakdown(report: HostReport) -> str:
    """The per-host block tune-vm.yml prints: what was measured, the model in one line, the plan.

    The model's full table (term by term, with sources) is model_table(); the role prints it
    at -v.
    """
    k, model, sysctl = report["kafka"], report["model"], report["sysctl"]
    if k["found"]:
        unit = f" unit {k['unit']}" if k.get("unit") else ""
        dirs = ",".join(k["log_dirs"])
        head = f"Kafka {k.get('version') or '?'} pid {k['pid']}{unit}, log.dirs {dirs}"
    else:
        head = "No Kafka broker found on this host: sized from Kafka's defaults"
    terms = " + ".join(f"{t['symbol']} {t['areas']}" for t in model["terms"])
    boot = sysctl["boot_value"] if sysctl["boot_value"] is not None else "kernel default"
    ro = "" if sysctl["writable"] else " (/proc/sys read-only here)"
    status = report["status"]
    lines = [
        head,
        f"model: {terms} = {model['base']} x headroom {model['headroom']}"
        f" = required {model['required']}",
        f"vm.max_map_count live {sysctl['live']}{ro}, at boot {boot}",
        plan_text(report["plan"]),
        f"status {status['level']}: "
        + "; ".join(r.partition(": ")[2] or r for r in status["reasons"]),
    ]
    return fit("\n".join(lines))
