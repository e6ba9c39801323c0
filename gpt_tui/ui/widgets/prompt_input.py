"""The multi-line prompt: Enter sends, ctrl+j / alt+enter / shift+enter add a line."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import TextArea

from gpt_tui.ui.messages import PromptSubmitted


class PromptInput(TextArea):
    """Where the user writes. Keeps its text until the app accepts it for sending.

    | Key | Action |
    | :- | :- |
    | enter | Send the prompt. |
    | ctrl+j, alt+enter, shift+enter | Insert a new line (ctrl+j works in tmux too). |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "send", "Send", priority=True, tooltip="Send the prompt.", id="prompt.send"
        ),
        Binding(
            "ctrl+j,alt+enter,shift+enter",
            "newline",
            "Newline",
            priority=True,
            tooltip="Insert a line break (ctrl+j works in tmux and every terminal).",
            id="prompt.newline",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            compact=True,
            highlight_cursor_line=False,
            placeholder="Message… (Enter sends, ctrl+j adds a line)",
        )

    def action_send(self) -> None:
        # A priority binding runs as soon as the key arrives, ahead of characters still
        # queued for this widget (fast typing, a paste without bracketed paste, tmux
        # send-keys): read the text only after they are in.
        self.call_later(self._send_now)

    def _send_now(self) -> None:
        text = self.text
        if text.strip():
            self.post_message(PromptSubmitted(text))

    def action_newline(self) -> None:
        self.call_later(self.insert, "\n")
