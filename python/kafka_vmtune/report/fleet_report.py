"""The fleet capacity report: every host's report in one table, as Markdown and JSON.

Standard library only: the capacity_report module imports it through module_utils.
Input per host (what the playbooks collect from hostvars):
  {"state": "reported" | "unreachable" | "failed", "report": <host report> | None,
   "error": str | None, "change": <vm_max_map_count/broker_limits change record> | None}
A host that could not be read is a row of its own, never a silent success.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import textwrap
from collections.abc import Mapping
from typing import Any, cast

from ..contracts import ChangeRecord, SysctlChange
from .render import WIDTH

SCHEMA = 1
MODES = ("report", "check", "apply")
# Row states, worst first: the summary and the exit decision read them in this order.
STATES = ("unreachable", "failed", "down", "critical", "warn", "no-kafka", "ok")

Report = Mapping[str, Any]


def _get(data: Any, *keys: str) -> Any:
    """data[k1][k2]... or None when any level is missing or null."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


# Ansible 2.19 prefixes a failure's message with its own wrappers; the report keeps the cause.
_WRAPPERS = re.compile(r"^(?:(?:Task|Action|Module) failed(?: \([^)]*\))?: )+")


def _cause(error: Any) -> Any:
    return _WRAPPERS.sub("", error.strip()) if isinstance(error, str) else error


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _describe_change(change: ChangeRecord | None, report: Report | None) -> tuple[str, bool]:
    """(one line saying what tune-vm.yml did / would do, whether anything changes)."""
    if change:
        return _describe_recorded_change(change)
    if report is None:
        return "-", False
    # The host report's plan (plan.plan.make_plan) is the decision; this only words it.
    plan = report.get("plan")
    if not isinstance(plan, Mapping):
        return "-", False
    parts = [f"would {plan[k]['reason']}" for k in ("raise_live", "persist") if plan[k]["do"]]
    live_short = plan["live"] < plan["target"] and not plan["raise_live"]["do"]
    if live_short:
        parts.append(plan["raise_live"]["reason"])
    if not parts:
        return f"nothing: live and boot value already >= {plan['target']}", False
    return "; ".join(parts), bool(parts) and not (live_short and len(parts) == 1)


def _describe_sysctl(c: SysctlChange, would: str) -> tuple[list[str], bool]:
    parts: list[str] = []
    changed = False
    target = c["target"]
    if c["file_action"] == "write":
        changed = True
        before = c["file_value_before"] or "absent"
        parts.append(f"{would}write {c['file']} ({before} -> {target})")
    if c["live_action"] == "raise":
        changed = True
        parts.append(f"{would}raise live {c['live_before']} -> {target}")
    elif c["live_action"] == "read-only":
        parts.append(
            f"live stays {c['live_before']}: /proc/sys is read-only"
            f" (value {target} applies at the next boot)"
        )
    elif c["live_action"] == "disabled":
        parts.append("live apply disabled (kafka_vmtune_apply_live=false)")
    if c["boot_ok"] is False:
        parts.append(
            f"BOOT VALUE {_fmt(c['boot_value'])} < {target}, overridden by "
            + ", ".join(c["overridden_by"] or ["?"])
        )
    if not parts:
        parts.append(f"nothing: vm.max_map_count already {target} live and at boot")
    return parts, changed


def _describe_recorded_change(change: ChangeRecord) -> tuple[str, bool]:
    would = "would " if change.get("check_mode") else ""
    parts: list[str] = []
    changed = False
    if "sysctl" in change:
        parts, changed = _describe_sysctl(change["sysctl"], would)
    if "limits" in change and change["limits"]["action"] == "write":
        changed = True
        parts.append(f"{would}write {change['limits']['dropin']}")
    if "stop_timeout" in change and change["stop_timeout"]["short"]:
        stop = change["stop_timeout"]
        parts.append(
            f"{stop['unit']} TimeoutStopSec {stop['raw']} is shorter than a controlled"
            " shutdown may take"
        )
    if change.get("restart_needed"):
        parts.append("restart needed: " + "; ".join(change.get("restart_reasons", [])))
    return "; ".join(parts), changed


_EMPTY_ROW: dict[str, Any] = dict.fromkeys(
    (
        "kafka", "version", "limit", "boot_value", "used", "index_areas", "leaked", "deleted",
        "threads", "nofile", "nofile_recommended", "required", "recommended", "level",
        "used_ratio", "read_only", "proc_sys", "crashes", "last_crash",
    )
)  # fmt: skip


def _measured(report: Report) -> dict[str, Any]:
    """The row's columns read from a host report."""
    crashes = report.get("crashes") or []
    last = crashes[-1] if crashes else None
    return {
        "kafka": bool(_get(report, "kafka", "found")),
        "version": _get(report, "kafka", "version"),
        "limit": _get(report, "sysctl", "live"),
        "boot_value": _get(report, "sysctl", "boot_value"),
        "used": _get(report, "maps", "total"),
        "index_areas": _get(report, "maps", "index_areas"),
        "leaked": _get(report, "maps", "leaked"),
        "deleted": _get(report, "maps", "deleted"),
        "threads": _get(report, "process", "threads"),
        "nofile": _get(report, "process", "nofile_soft"),
        "nofile_recommended": _get(report, "recommendation", "nofile", "recommended"),
        "required": _get(report, "model", "required"),
        "recommended": _get(report, "recommendation", "recommended"),
        "level": _get(report, "status", "level"),
        "used_ratio": _get(report, "status", "used_ratio"),
        "reasons": list(_get(report, "status", "reasons") or []),
        "read_only": not bool(_get(report, "sysctl", "writable")),
        "proc_sys": "rw" if _get(report, "sysctl", "writable") else "READ-ONLY",
        "overridden_by": list(_get(report, "sysctl", "overridden_by") or []),
        "crashes": len(crashes),
        "last_crash": f"{last.get('time')} {last.get('cause')}" if last else None,
    }


def _state(given: str, report: Report, row: Mapping[str, Any]) -> str:
    if given in ("unreachable", "failed"):
        return given  # a host that failed after being read keeps its numbers and its failure
    if report.get("down"):
        return "down"  # the unit exists but the broker does not run
    if row["level"] in ("critical", "warn"):
        return str(row["level"])
    return "ok" if row["kafka"] else "no-kafka"


def host_row(name: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """One table row for one host, whatever happened to it."""
    state = entry.get("state") or "unreachable"
    report = entry.get("report") if isinstance(entry.get("report"), Mapping) else None
    row: dict[str, Any] = {
        "host": name,
        "state": state,
        "error": _cause(entry.get("error")),
        **_EMPTY_ROW,
        "reasons": [],
        "overridden_by": [],
        "change": "-",
        "changes": False,
    }
    if state == "reported" and report is None:
        row["state"] = "failed"
        row["error"] = row["error"] or "no report was produced"
        return row
    if report is None:
        if state == "unreachable" and not row["error"]:
            row["error"] = "host unreachable: nothing was read or changed"
        return row
    row.update(_measured(report))
    row["state"] = _state(state, report, row)
    change = entry.get("change")
    row["change"], row["changes"] = _describe_change(
        cast(ChangeRecord, change) if isinstance(change, Mapping) else None, report
    )
    return row


def build_fleet(
    hosts: Mapping[str, Mapping[str, Any]], *, mode: str = "report", generated_at: str = ""
) -> dict[str, Any]:
    """The capacity.json document: rows sorted worst first, then by name, and a summary."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    rows = [host_row(name, entry) for name, entry in hosts.items()]
    rows.sort(key=lambda r: (STATES.index(r["state"]), r["host"]))
    counts = {state: sum(1 for r in rows if r["state"] == state) for state in STATES}
    return {
        "schema": SCHEMA,
        "generated_at": generated_at,
        "mode": mode,
        "summary": {
            "hosts": len(rows),
            **counts,
            "read_only": sum(1 for r in rows if r["read_only"]),
            "changes": sum(1 for r in rows if r["changes"]),
        },
        "hosts": rows,
    }


def problem_hosts(
    fleet: Mapping[str, Any], *, fail_on_critical: bool = True, fail_on_down: bool = True
) -> list[str]:
    """Hosts that make the run fail: unreachable or failed always; critical and down when
    asked (tune-vm.yml starts brokers that are down, so it does not stop for them)."""
    bad = {"unreachable", "failed"} | ({"critical"} if fail_on_critical else set())
    bad |= {"down"} if fail_on_down else set()
    return [r["host"] for r in fleet["hosts"] if r["state"] in bad]


COLUMNS: tuple[tuple[str, str], ...] = (
    ("host", "host"),
    ("state", "state"),
    ("limit", "limit"),
    ("boot", "boot_value"),
    ("/proc/sys", "proc_sys"),
    ("used", "used"),
    ("index", "index_areas"),
    ("leak", "leaked"),
    ("threads", "threads"),
    ("required", "required"),
    ("recommended", "recommended"),
    ("crashes", "crashes"),
)

_MODE_TITLE = {
    "report": "capacity check (read-only): what tune-vm.yml would change",
    "check": "tune-vm.yml --check: what would change",
    "apply": "tune-vm.yml: what changed",
}


# The console table fits render.WIDTH columns; the Markdown report keeps every column.
# Dropped into the note under the row, in this order, when a table is too wide; a very long
# host name goes first instead, heading its row on a line of its own.
OPTIONAL = ("threads", "leaked", "index_areas")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_text(summary: Mapping[str, Any]) -> str:
    """The one-sentence fleet summary, the same on the console and in the Markdown report.

    States with no host are left out, except ok; read-only /proc/sys and changes follow.
    """
    s = summary
    labels = (
        ("ok", "ok"), ("warn", "warn"), ("critical", "critical"), ("down", "down"),
        ("no-kafka", "without Kafka"), ("unreachable", "unreachable"), ("failed", "failed"),
    )  # fmt: skip
    parts = [f"{s[key]} {label}" for key, label in labels if key == "ok" or s[key]]
    if s["read_only"]:
        parts.append(f"{s['read_only']} with read-only /proc/sys")
    parts.append(f"{s['changes']} with changes")
    return f"{_plural(s['hosts'], 'host')}: " + ", ".join(parts)


def _columns_that_fit(rows: list[Mapping[str, Any]], width: int) -> list[tuple[str, str]]:
    full = list(COLUMNS)
    no_host = [c for c in full if c[1] != "host"]
    candidates = [full, *(_without(full, OPTIONAL[: n + 1]) for n in range(len(OPTIONAL)))]
    candidates += [no_host, *(_without(no_host, OPTIONAL[: n + 1]) for n in range(len(OPTIONAL)))]
    for columns in candidates:
        widths = [max([len(label)] + [len(_fmt(r[k])) for r in rows]) for label, k in columns]
        if sum(widths) + 2 * (len(widths) - 1) <= width:
            return columns
    return candidates[-1]


def _without(columns: list[tuple[str, str]], keys: tuple[str, ...]) -> list[tuple[str, str]]:
    return [c for c in columns if c[1] not in keys]


def _note(row: Mapping[str, Any], dropped: list[tuple[str, str]]) -> str:
    extra = ", ".join(f"{label} {_fmt(row[key])}" for label, key in dropped if key != "host")
    change = str(row["error"] or row["change"])
    if row.get("last_crash"):
        change = f"last crash {row['last_crash']}; {change}"
    return f"{extra}; {change}" if extra else change


def summary_lines(fleet: Mapping[str, Any], width: int = WIDTH) -> list[str]:
    """The console table (Ansible debug msg lines), at most `width` columns wide.

    The change (or error) is the last column when it fits; otherwise it goes under its row,
    wrapped, and if the table alone is still too wide its optional columns join that note.
    """
    rows = list(fleet["hosts"])
    columns = _columns_that_fit(rows, width)
    dropped = [c for c in COLUMNS if c not in columns]
    cells = [[label for label, _ in columns]] + [[_fmt(r[key]) for _, key in columns] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines_of = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)) for r in cells]
    notes = [_note(r, dropped) for r in rows]
    body = lines_of[1:]
    if not dropped and all(len(body[i]) + 2 + len(n) <= width for i, n in enumerate(notes)):
        out = [lines_of[0] + "  change"]
        out += [body[i] + "  " + note for i, note in enumerate(notes)]
    else:
        out = [lines_of[0].rstrip()]
        for i, note in enumerate(notes):
            if ("host", "host") in dropped:
                out.append(str(rows[i]["host"]))
            out.append(body[i].rstrip())
            out += textwrap.wrap(
                note, width, initial_indent="  ", subsequent_indent="    ",
                break_long_words=False, break_on_hyphens=False,
            )  # fmt: skip
    out += textwrap.wrap(summary_text(fleet["summary"]), width, subsequent_indent="  ")
    return out


def _md_cell(value: Any) -> str:
    return _fmt(value).replace("|", "\\|")


def render_markdown(fleet: Mapping[str, Any]) -> str:
    """capacity.md: the table, then one section per host that needs a word."""
    out = [
        "# Kafka vm.max_map_count capacity",
        "",
        f"Generated {fleet['generated_at'] or '-'}; {_MODE_TITLE[fleet['mode']]}.",
        "",
        "limit = live vm.max_map_count; boot = the value systemd-sysctl sets at the next boot; "
        "used = lines in /proc/PID/maps of the broker; index = index-file areas (leak = resize "
        "leak, KAFKA-19390); required = the model's need with headroom; recommended = what "
        "tune-vm.yml sets (never below the live value).",
        "",
        "| " + " | ".join(label for label, _ in COLUMNS) + " | change |",
        "|" + "---|" * (len(COLUMNS) + 1),
    ]
    for row in fleet["hosts"]:
        cells = [_md_cell(row[key]) for _, key in COLUMNS]
        out.append("| " + " | ".join([*cells, _md_cell(row["change"])]) + " |")
    s = fleet["summary"]
    out += [
        "",
        f"**{summary_text(s).replace(': ', '**: ', 1)}.",
        "",
    ]
    notes: list[str] = []
    for row in fleet["hosts"]:
        lines: list[str] = []
        if row["error"]:
            lines.append(f"- {row['state']}: {row['error']}")
        if row["kafka"] is False:
            lines.append("- no Kafka broker found on this host: sized from defaults")
        lines += [f"- {reason}" for reason in row["reasons"]]
        if row["read_only"]:
            lines.append(
                "- /proc/sys is read-only here (container): the live value cannot be changed "
                "from inside; set it on the machine that owns the kernel"
            )
        if row["overridden_by"]:
            lines.append("- overridden at boot by: " + ", ".join(row["overridden_by"]))
        if lines:
            notes += [f"### {row['host']}", "", *lines, ""]
    if notes:
        out += ["## Notes", "", *notes]
    return "\n".join(out).rstrip("\n") + "\n"


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


def _replace_with(path: str, text: str) -> None:
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


def write_fleet_report(fleet: Mapping[str, Any], directory: str) -> tuple[str, str]:
    """Write capacity.md and capacity.json into directory (created); return both paths.

    A reader (or a run writing the same report name) sees a whole old or a whole new file.
    """
    os.makedirs(directory, exist_ok=True)
    md_path = os.path.join(directory, "capacity.md")
    json_path = os.path.join(directory, "capacity.json")
    _replace_with(md_path, render_markdown(fleet))
    _replace_with(json_path, json.dumps(fleet, indent=2, sort_keys=True) + "\n")
    return md_path, json_path


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
