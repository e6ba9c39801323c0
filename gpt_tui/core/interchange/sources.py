"""Reading what is to be imported, with a cap on its size.

An import reads the whole source before parsing it (JSON cannot be parsed in pieces by the
standard library), so a source with no end (``/dev/zero``, a pipe left open) or a huge file
given by mistake would fill the memory. Reading stops at the cap instead; a real export
larger than the cap can be read by raising it (``gpt-tui import --max-size``).
"""

from __future__ import annotations

import re
from typing import BinaryIO

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
"""512 MiB: several times the largest ChatGPT ``conversations.json`` seen in practice."""

CHUNK_BYTES = 1024 * 1024

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
_SIZE = re.compile(r"\s*(\d+)\s*([KMG]?)(?:I?B)?\s*", re.IGNORECASE)


class SourceTooLarge(Exception):
    """The source holds more than the cap; the message says how to raise it."""


def parse_size(text: str) -> int:
    """``"800M"``, ``"2G"``, ``"1500000"`` (bytes; ``K``, ``M``, ``G`` are powers of 1024,
    a trailing ``B`` or ``iB`` is allowed). Raises :class:`ValueError` for anything else
    or for zero."""
    match = _SIZE.fullmatch(text)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"not a size: {text!r} (for example 800M or 2G)")
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def format_size(size: int) -> str:
    """``size`` bytes in the largest whole unit :func:`parse_size` reads back."""
    for unit in ("G", "M", "K"):
        if size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]}{unit}"
    return str(size)


def read_capped(stream: BinaryIO, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Everything ``stream`` holds, read in chunks; :class:`SourceTooLarge` as soon as it
    holds more than ``max_bytes`` (never more than ``max_bytes`` + 1 bytes are read)."""
    data = bytearray()
    while True:
        chunk = stream.read(min(CHUNK_BYTES, max_bytes + 1 - len(data)))
        if not chunk:
            return bytes(data)
        data += chunk
        if len(data) > max_bytes:
            raise SourceTooLarge(
                f"{name} is larger than {format_size(max_bytes)}; nothing was imported "
                f"(to import it anyway, raise the limit: --max-size "
                f"{format_size(max_bytes * 4)})"
            )
