"""Text that changes often (a spinner, live counts) without relaying out the screen.

``Static.update`` asks for a new layout every time, and a layout pass measures every
widget, a long streaming reply included: ticking a spinner ten times a second that way
made streaming cost grow with the square of the reply. This widget asks for a layout
only when its number of lines changes, and otherwise just repaints itself.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget


class LiveText(Widget):
    """A block of text whose height is its number of lines."""

    DEFAULT_CSS = """
    LiveText {
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content = Content("")
        self._lines = 1

    def set_content(self, content: Content) -> None:
        """Show ``content``; relayout only if its line count changed."""
        if content == self._content:
            return
        lines = len(content.split("\n"))
        self._content = content
        if lines != self._lines:
            self._lines = lines
            self.refresh(layout=True)
        else:
            self.refresh()

    def render(self) -> Content:
        return self._content
