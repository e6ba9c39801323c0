"""The multi-line prompt: Enter sends, ctrl+j / alt+enter / shift+enter add a line."""

from __future__ import annotations

from time import monotonic
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import TextArea

from gpt_tui.ui.keymap import prompt_placeholder
from gpt_tui.ui.messages import PromptSubmitted

BLINK_SECONDS = 10.0
"""The cursor blinks this long after the last key, then stays solid: an idle app uses no CPU."""


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
            placeholder=prompt_placeholder(self.app),
        )
        self._blink_timer: Timer | None = None
        self._last_activity = 0.0
        self._blink_paused = False
        """True while the blink is off because of idleness (not because of a setting)."""

    def on_mount(self) -> None:
        self._activity()

    def _activity(self) -> None:
        self._last_activity = monotonic()
        if self._blink_paused:
            self._blink_paused = False
            self.cursor_blink = True
        if self._blink_timer is None:
            self._blink_timer = self.set_timer(BLINK_SECONDS, self._check_idle)

    def _check_idle(self) -> None:
        """Pause the blink once nothing happened for BLINK_SECONDS (one timer at a time)."""
        idle = monotonic() - self._last_activity
        if idle < BLINK_SECONDS:
            self._blink_timer = self.set_timer(BLINK_SECONDS - idle, self._check_idle)
            return
        self._blink_timer = None
        if self.cursor_blink:
            self.cursor_blink = False
            self._blink_paused = True

    def on_key(self, event: events.Key) -> None:
        self._activity()

    def on_focus(self) -> None:
        self._activity()

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
