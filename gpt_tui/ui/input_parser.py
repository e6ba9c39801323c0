"""Terminal input to Textual events, with pastes kept whole and bursts of text kept cheap.

Textual's ``XTermParser`` collects a bracketed paste (``ESC[200~ … ESC[201~``) only between
escape sequences: an ESC inside the paste starts its search for an escape sequence, and the
characters read by that search leave as key events *ahead of* the paste, which is posted
only at its end. ``A ESC[31mRED ESC[0m Z`` arrives as the keys ``^[31mRED^[0m Z`` and then
the paste ``A ``; a pasted line break read by the search presses Enter (sending the prompt)
and a pasted tab moves the focus, so later characters go elsewhere. :class:`InputParser`
finds the paste markers itself and gives Textual's parser only what lies outside pastes,
plus an empty paste where each paste was, so that its Paste event comes exactly in its
place; the paste's own text is filled in.

Without bracketed paste, a paste arrives as keys, one event and one edit of the whole
draft per character: a megabyte took minutes. A run of at least :data:`BURST` printable
characters in one read is more than anyone types between two reads, so it is passed on as
one Paste. Line breaks and other control characters stay keys, as before.
"""

from __future__ import annotations

import re

from textual import events
from textual._xterm_parser import XTermParser
from textual.message import Message

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
ESC = "\x1b"

BURST = 16
"""Printable characters in one read from which on they are one Paste, not keys."""

SEQUENCE_LIMIT = 64
"""Characters after an ESC within which Textual's parser may still be reading an escape
sequence (it gives up after 32; a test checks this stays above its limit). A burst starts
only after them, so it never takes characters that belong to a sequence."""

_PRINTABLE_RUN = re.compile(f"[^\\x00-\\x1f\\x7f-\\x9f]{{{BURST},}}")


def _partial_marker(text: str, marker: str) -> int:
    """How many characters at the end of ``text`` could begin ``marker`` (0 if none)."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0


class InputParser:
    """Turns what the terminal sends into Textual events; pastes are whole and in place.

    Has the ``feed`` and ``tick`` of Textual's parser, which it wraps.
    """

    def __init__(self, debug: bool = False) -> None:
        self._xterm = XTermParser(debug)
        self._pasting = False
        self._paste: list[str] = []
        self._held = ""
        """The end of a paste that may be the start of the end marker."""
        self._tail = ""
        """The last characters given to Textual's parser: a paste marker split between two
        reads has its start there."""
        self._since_escape = SEQUENCE_LIMIT
        """Characters given to Textual's parser since its last ESC."""

    def feed(self, data: str) -> list[Message]:
        """The events for ``data``, in order; ``""`` means the input has ended."""
        if not data:
            return self._to_xterm(self._held) + list(self._xterm.feed(""))
        found: list[Message] = []
        while data:
            if self._pasting:
                data = self._in_paste(data, found)
            else:
                data = self._outside_paste(data, found)
        return found

    def tick(self) -> list[Message]:
        """Events that are due because the terminal stopped sending (a lone ESC)."""
        due = list(self._xterm.tick())
        if due:  # Textual's parser gave up on the sequence a split marker would complete
            self._tail = ""
        return due

    def _outside_paste(self, data: str, found: list[Message]) -> str:
        """Handle ``data`` up to the next paste; return what follows the paste's start."""
        joined = self._tail + data
        start = joined.find(PASTE_START)
        if start < 0:
            found += self._keys(data)
            return ""
        marker_end = start + len(PASTE_START) - len(self._tail)
        before = max(0, start - len(self._tail))
        found += self._keys(data[:before])
        found += self._to_xterm(data[before:marker_end])  # Textual's parser sees the start …
        self._pasting = True
        return data[marker_end:]

    def _in_paste(self, data: str, found: list[Message]) -> str:
        """Collect the paste; at its end, pass it on. Return what follows the paste."""
        data, self._held = self._held + data, ""
        end = data.find(PASTE_END)
        if end < 0:
            keep = _partial_marker(data, PASTE_END)
            self._paste.append(data[: len(data) - keep])
            self._held = data[len(data) - keep :]
            return ""
        self._paste.append(data[:end])
        # NUL is dropped as Textual does: some terminals add it to pastes (textual#1661).
        text = "".join(self._paste).replace("\x00", "")
        self._paste.clear()
        self._pasting = False
        done = self._to_xterm(PASTE_END)  # … and the end, so it posts an empty paste here
        for index, event in enumerate(done):
            if isinstance(event, events.Paste):
                done[index] = events.Paste(text)
                break
        else:
            done.append(events.Paste(text))
        found += done
        return data[end + len(PASTE_END) :]

    def _keys(self, data: str) -> list[Message]:
        """Events for text outside pastes: bursts of printable characters as one Paste."""
        found: list[Message] = []
        done = 0
        for run in _PRINTABLE_RUN.finditer(data):
            begin = run.start()
            gap = data[done:begin]
            escape = gap.rfind(ESC)
            since = len(gap) - escape - 1 if escape >= 0 else self._since_escape + len(gap)
            begin += max(0, SEQUENCE_LIMIT - since)
            if run.end() - begin < BURST:
                continue
            found += self._to_xterm(data[done:begin])
            found.append(events.Paste(data[begin : run.end()]))
            done = run.end()
            self._tail = ""
        found += self._to_xterm(data[done:])
        return found

    def _to_xterm(self, data: str) -> list[Message]:
        """Textual's parser's events for ``data`` (not the end of input: ``""`` is none)."""
        if not data:
            return []
        escape = data.rfind(ESC)
        if escape >= 0:
            self._since_escape = len(data) - escape - 1
        else:
            self._since_escape += len(data)
        self._tail = (self._tail + data)[1 - len(PASTE_START) :]
        return list(self._xterm.feed(data))
