"""Where things are in a TOML file's text: a line scanner that finds the line defining a
dotted key, and how to write a name as a key.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path


def toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else '"' + name.replace('"', '\\"') + '"'


_PART = r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'"""
_DOTTED = rf"(?:{_PART})(?:\s*\.\s*(?:{_PART}))*"
_PART_RE = re.compile(_PART)
_HEADER_RE = re.compile(rf"\s*\[\[?\s*({_DOTTED})\s*\]")
_ASSIGN_RE = re.compile(rf"\s*({_DOTTED})\s*=")


def find_line(text: str, where: tuple[str, ...]) -> int | None:
    """The 1-based line defining the dotted key ``where``, or ``None`` if not found.

    A line scanner, not a parser: it tracks the current ``[table]`` header, matches
    ``key =`` lines (bare, quoted or dotted keys) and skips multi-line strings. An inline
    table counts as defining the keys inside it. Good enough for hand-written files.
    """
    table: tuple[str, ...] = ()
    open_quote: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if open_quote is not None:
            if line.count(open_quote) % 2:
                open_quote = None
            continue
        header = _HEADER_RE.match(line)
        if header:
            table = _key_parts(header.group(1))
            if table[: len(where)] == where:
                return number
            continue
        assign = _ASSIGN_RE.match(line)
        if not assign:
            continue
        full = (*table, *_key_parts(assign.group(1)))
        if full[: len(where)] == where or where[: len(full)] == full:
            return number
        rest = line[assign.end() :]
        open_quote = next((q for q in ('"""', "'''") if rest.count(q) % 2), None)
    return None


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(_unquote(part) for part in _PART_RE.findall(dotted))


def _unquote(part: str) -> str:
    """A key part as TOML reads it: quotes removed, escapes in "basic" strings decoded."""
    if part[0] == "'":
        return part[1:-1]
    if part[0] == '"':
        try:
            return next(iter(tomllib.loads(f"{part} = 0")))
        except (ValueError, StopIteration):
            return part[1:-1]
    return part


def line_in_file(path: Path, where: tuple[str, ...]) -> int | None:
    """The line of ``path`` defining the dotted key ``where``: for problems found after
    loading (the UI checks ``[keymap]`` binding ids against its widgets)."""
    try:
        return find_line(path.read_text(encoding="utf-8"), where)
    except (OSError, UnicodeDecodeError):
        return None
