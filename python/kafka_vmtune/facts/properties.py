"""A Java .properties file read as java.util.Properties.load reads it."""

from __future__ import annotations

from ..errors import InputError
from .safe_open import read_bytes

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
