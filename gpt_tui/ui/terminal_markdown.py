"""``gpt-tui ask --render``: the reply drawn as Markdown on a terminal while it streams.

Only imported when asked for and stdout is a terminal, so plain ``ask`` never loads Rich.
The reply's text is data: it is parsed as Markdown (never as Rich markup), and Rich's
Markdown does not pass escape sequences through to the terminal.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown


class MarkdownWriter:
    """Redraws the whole reply as Markdown at most a few times a second (Rich's ``Live``
    throttles), and leaves the final drawing on the screen."""

    def __init__(self, stream: TextIO) -> None:
        self._parts: list[str] = []
        self._live = Live(
            Markdown(""),
            console=Console(file=stream),
            refresh_per_second=8,
            vertical_overflow="visible",
        )
        self._live.start()

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._live.update(Markdown("".join(self._parts)))

    def close(self) -> None:
        self._live.update(Markdown("".join(self._parts)), refresh=True)
        self._live.stop()
