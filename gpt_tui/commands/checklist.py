"""A checklist printed line by line: ✓ good, ✗ a problem with its fix, ! worth knowing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

_MARKS = {"ok": "✓", "fail": "✗", "warn": "!", "skip": "-"}
_ASCII_MARKS = {"ok": "ok", "fail": "XX", "warn": "!!", "skip": "--"}
"""The marks for a terminal that cannot print the others."""


class Report:
    """Prints the checklist and counts failures."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self.failures = 0
        self.warnings = 0
        encoding = getattr(out, "encoding", None) or "ascii"
        try:
            "✓✗…→".encode(encoding)
            self._marks = _MARKS
        except (UnicodeEncodeError, LookupError):
            self._marks = _ASCII_MARKS

    def line(self, text: str = "") -> None:
        print(text, file=self._out, flush=True)

    def section(self, title: str) -> None:
        self.line()
        self.line(title)

    def ok(self, text: str, *details: str) -> None:
        self._item("ok", text, details)

    def fail(self, text: str, fix: str | None = None, *details: str) -> None:
        self.failures += 1
        self._item("fail", text, details, fix)

    def warn(self, text: str, fix: str | None = None, *details: str) -> None:
        self.warnings += 1
        self._item("warn", text, details, fix)

    def skip(self, text: str) -> None:
        self._item("skip", text, ())

    def _item(self, kind: str, text: str, details: Sequence[str], fix: str | None = None) -> None:
        self.line(f"  {self._marks[kind]} {text}")
        for detail in details:
            self.line(f"      {detail}")
        if fix:
            self.line(f"      fix: {fix}")
