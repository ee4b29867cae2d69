"""The fleet report for people: the console table (render.table) and capacity.md."""

from __future__ import annotations

import textwrap

from .fleet_rows import Fleet, HostRow, Summary
from .render import WIDTH, table

# (label, key): key is a HostRow field (host, state) or a Measured one.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("host", "host"),
    ("state", "state"),
    ("live", "live"),
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
_TEXT = ("host", "state", "proc_sys")  # left-aligned; the numbers are right-aligned

_MODE_TITLE = {
    "report": "capacity check (read-only): what tune-vm.yml would change",
    "check": "tune-vm.yml --check: what would change",
    "apply": "tune-vm.yml: what changed",
}

# The console table fits render.WIDTH columns; the Markdown report keeps every column.
# Dropped into the note under the row, in this order, when a table is too wide; a very long
# host name goes first instead, heading its row on a line of its own.
OPTIONAL = ("threads", "leaked", "index_areas")


def cell(row: HostRow, key: str) -> str:
    """One column of a row as text ("-" for a value nobody measured)."""
    value = getattr(row, key) if key in ("host", "state") else getattr(row.measured, key)
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_text(s: Summary) -> str:
    """The one-sentence fleet summary, the same on the console and in the Markdown report.

    States with no host are left out, except ok; read-only /proc/sys and changes follow.
    """
    labels = (
        ("ok", "ok"), ("warn", "warn"), ("critical", "critical"), ("down", "down"),
        ("no-kafka", "without Kafka"), ("unreachable", "unreachable"), ("failed", "failed"),
    )  # fmt: skip
    parts = [f"{s.states[key]} {label}" for key, label in labels if key == "ok" or s.states[key]]
    if s.read_only:
        parts.append(f"{s.read_only} with read-only /proc/sys")
    parts.append(f"{s.changes} with changes")
    return f"{_plural(s.hosts, 'host')}: " + ", ".join(parts)


def _without(columns: list[tuple[str, str]], keys: tuple[str, ...]) -> list[tuple[str, str]]:
    return [c for c in columns if c[1] not in keys]


def _columns_that_fit(rows: list[HostRow], width: int) -> list[tuple[str, str]]:
    full = list(COLUMNS)
    no_host = [c for c in full if c[1] != "host"]
    candidates = [full, *(_without(full, OPTIONAL[: n + 1]) for n in range(len(OPTIONAL)))]
    candidates += [no_host, *(_without(no_host, OPTIONAL[: n + 1]) for n in range(len(OPTIONAL)))]
    for columns in candidates:
        widths = [max([len(label)] + [len(cell(r, k)) for r in rows]) for label, k in columns]
        if sum(widths) + 2 * (len(widths) - 1) <= width:
            return columns
    return candidates[-1]


def _note(row: HostRow, dropped: list[tuple[str, str]]) -> str:
    extra = ", ".join(f"{label} {cell(row, key)}" for label, key in dropped if key != "host")
    change = row.error or row.change
    if row.measured.last_crash:
        change = f"last crash {row.measured.last_crash}; {change}"
    return f"{extra}; {change}" if extra else change


def summary_lines(fleet: Fleet, width: int = WIDTH) -> list[str]:
    """The console table (Ansible debug msg lines), at most `width` columns wide.

    The change (or error) is the last column, wrapped inside it or put under its row when
    too little room is left (render.table); if the table alone is still too wide, its
    optional columns join that note, and a long host name heads its row on its own line.
    """
    rows = fleet.rows
    columns = _columns_that_fit(rows, width)
    dropped = [c for c in COLUMNS if c not in columns]
    text = table(
        [label for label, key in columns] + ["change"],
        [[cell(r, key) for label, key in columns] + [_note(r, dropped)] for r in rows],
        right={i for i, (label, key) in enumerate(columns) if key not in _TEXT},
        width=width,
        titles=[r.host for r in rows] if ("host", "host") in dropped else None,
    )
    return text.splitlines() + textwrap.wrap(
        summary_text(fleet.summary), width, subsequent_indent="  "
    )


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _md_notes(row: HostRow) -> list[str]:
    m = row.measured
    lines: list[str] = []
    if row.error:
        lines.append(f"- {row.state}: {row.error}")
    if m.kafka is False:
        lines.append("- no Kafka broker found on this host: sized from defaults")
    lines += [f"- {reason}" for reason in m.reasons]
    if m.read_only:
        lines.append(
            "- /proc/sys is read-only here (container): the live value cannot be changed "
            "from inside; set it on the machine that owns the kernel"
        )
    if m.overridden_by:
        lines.append("- overridden at boot by: " + ", ".join(m.overridden_by))
    return lines


def render_markdown(fleet: Fleet) -> str:
    """capacity.md: the table, then one section per host that needs a word."""
    out = [
        "# Kafka vm.max_map_count capacity",
        "",
        f"Generated {fleet.generated_at or '-'}; {_MODE_TITLE[fleet.mode]}.",
        "",
        "live = the vm.max_map_count the kernel enforces now; boot = the value systemd-sysctl "
        "sets at the next boot; used = lines in /proc/PID/maps of the broker; index = "
        "index-file areas (leak = resize leak, KAFKA-19390); required = the model's need with "
        "headroom; recommended = kafka-vmtune's advice (never below the live value).",
        "",
        "| " + " | ".join(label for label, key in COLUMNS) + " | change |",
        "|" + "---|" * (len(COLUMNS) + 1),
    ]
    for row in fleet.rows:
        cells = [_md_cell(cell(row, key)) for label, key in COLUMNS]
        out.append("| " + " | ".join([*cells, _md_cell(row.change)]) + " |")
    out += ["", f"**{summary_text(fleet.summary).replace(': ', '**: ', 1)}.", ""]
    notes: list[str] = []
    for row in fleet.rows:
        lines = _md_notes(row)
        if lines:
            notes += [f"### {row.host}", "", *lines, ""]
    if notes:
        out += ["## Notes", "", *notes]
    return "\n".join(out).rstrip("\n") + "\n"
