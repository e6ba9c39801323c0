"""How much of a streamed text a view has shown, so a batch that arrives again (after a
retry, or when a reply's view is rebuilt while it streams) adds only what is new."""

from __future__ import annotations


class Received:
    """The end offset of the text shown so far."""

    __slots__ = ("end",)

    def __init__(self, end: int = 0) -> None:
        self.end = end

    def new_part(self, text: str, start: int) -> str:
        """The part of ``text`` (which begins at ``start`` in the whole) not shown yet;
        empty when all of it was."""
        end = start + len(text)
        if end <= self.end:
            return ""
        new = text[max(0, self.end - start) :]
        self.end = end
        return new
