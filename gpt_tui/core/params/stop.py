"""Stop sequences typed on one line.

``|`` separates them, spaces around each are trimmed, and ``\\n``, ``\\t``, ``\\s`` (a space),
``\\|`` and ``\\\\`` write what cannot be typed plainly — ``\\n\\n | END`` is the two sequences
"blank line" and "END".
"""

from __future__ import annotations

from gpt_tui.core.params.error import ParamError

MAX_STOP_SEQUENCES = 4
"""The most stop sequences a request may carry."""

_ESCAPES = {"n": "\n", "t": "\t", "s": " ", "|": "|", "\\": "\\"}


def parse_stop(text: str) -> tuple[str, ...] | None:
    """Stop sequences from one line (see the module docstring); ``None`` when empty.

    A literal new line separates sequences too (a pasted list). Raises :class:`ParamError`
    for an unknown escape, more than 4 sequences or an empty one between two bars.
    """
    parts: list[list[tuple[str, bool]]] = [[]]
    """Each sequence as (character, was it escaped): escaped spaces survive the trimming."""
    chars = iter(text)
    for char in chars:
        if char == "\\":
            code = next(chars, "")
            if code not in _ESCAPES:
                shown = f"\\{code}" if code else "a \\ at the end"
                how = "write \\n, \\t, \\s, \\| or \\\\"
                raise ParamError("stop", f"has an unknown escape {shown} ({how})")
            parts[-1].append((_ESCAPES[code], True))
        elif char in "|\n":
            parts.append([])
        else:
            parts[-1].append((char, False))
    found = [_trimmed(part) for part in parts]
    if any(not s for s in found[:-1]) and any(found):
        raise ParamError("stop", "has an empty sequence between two | (remove the extra |)")
    found = [s for s in found if s]
    if len(found) > MAX_STOP_SEQUENCES:
        raise ParamError("stop", f"takes at most {MAX_STOP_SEQUENCES} sequences")
    return tuple(found) or None


def _trimmed(part: list[tuple[str, bool]]) -> str:
    """The sequence without the unescaped spaces at its ends."""
    start, end = 0, len(part)
    while start < end and part[start] == (" ", False):
        start += 1
    while end > start and part[end - 1] == (" ", False):
        end -= 1
    return "".join(char for char, _ in part[start:end])


def format_stop(stop: tuple[str, ...] | None) -> str:
    """The text :func:`parse_stop` reads back as ``stop``."""
    if not stop:
        return ""
    return " | ".join(_escape_sequence(s) for s in stop)


def _escape_sequence(sequence: str) -> str:
    escaped = (
        sequence.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n").replace("\t", "\\t")
    )
    stripped = escaped.strip(" ")
    lead = len(escaped) - len(escaped.lstrip(" "))
    trail = len(escaped) - len(escaped.rstrip(" "))
    if not stripped:
        return "\\s" * len(escaped)
    return "\\s" * lead + stripped + "\\s" * trail
