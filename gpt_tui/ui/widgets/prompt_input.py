"""The multi-line prompt: Enter sends, ctrl+j / alt+enter / shift+enter add a line.

Like a shell's: ↑ on the first line recalls earlier prompts (newest first, from every
conversation: :attr:`PromptInput.past_prompts`, set by the screen), ↓ on the last line goes
back towards the unsent draft, which is kept aside meanwhile and never lost; ctrl+e asks
for the draft to be edited in ``$VISUAL``/``$EDITOR`` (:class:`PromptInput.EditorRequested`).

A paste is inserted whole, its control characters shown as symbols. A line too long to
re-wrap on every key turns soft wrapping off until the draft is short again: Textual
re-wraps the edited line on each edit, which made every key cost as much as the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import monotonic
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

from gpt_tui.core.domain.text import pasted
from gpt_tui.ui.keymap import prompt_placeholder
from gpt_tui.ui.widgets.attachment_chips import AttachmentIntent

BLINK_SECONDS = 10.0
"""The cursor blinks this long after the last key, then stays solid: an idle app uses no CPU."""

LONG_LINE = 10_000
"""Characters in one line beyond which the prompt stops soft wrapping (about 1 ms a key)."""

UNWRAPPED_NOTE = "very long line: wrapping is off"
"""Shown on the prompt's border while wrapping is off because of :data:`LONG_LINE`."""


class PromptInput(TextArea):
    """Where the user writes. Keeps its text until the app accepts it for sending.

    | Key | Action |
    | :- | :- |
    | enter | Send the prompt. |
    | ctrl+j, alt+enter, shift+enter | Insert a new line (ctrl+j works in tmux too). |
    | up (first line), down (last line) | Earlier prompts; back to the draft. |
    | ctrl+e | Edit the draft in $VISUAL / $EDITOR. |
    | ctrl+o | Pick a file to attach. |
    | tab | Complete the ``@path`` before the cursor (else: next field). |
    """

    @dataclass
    class Submitted(Message):
        """The user pressed the send key with this text in the prompt."""

        text: str

    @dataclass
    class EditorRequested(Message):
        """The user asked to edit this draft in their own editor."""

        text: str

    @dataclass
    class AttachRequested(AttachmentIntent):
        """ctrl+o (``word`` None: open the picker) or Tab after ``@…`` (complete ``word``,
        which starts at ``column`` of the cursor's line)."""

        word: str | None = None
        column: int = 0

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
        Binding(
            "ctrl+e",
            "editor",
            "Editor",
            show=False,  # in F1's list of keys; the footer stays as it was
            tooltip="Edit the prompt in your editor ($VISUAL or $EDITOR).",
            id="prompt.editor",
        ),
        Binding(
            "ctrl+o",
            "attach",
            "Attach",
            show=False,
            tooltip="Attach a file or image to the prompt (or write @path).",
            id="prompt.attach",
        ),
        Binding(
            "tab",
            "complete",
            "Complete",
            show=False,
            tooltip="Complete the @path before the cursor; elsewhere, go to the next field.",
            id="prompt.complete",
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
        self.past_prompts: list[str] = []
        """Earlier prompts, newest first (the screen loads them; sending adds one)."""
        self._recalled = -1
        """Which of :attr:`past_prompts` is shown (-1: the draft)."""
        self._draft = ""
        """The unsent text put aside while earlier prompts are shown."""

    def on_mount(self) -> None:
        self._activity()

    @property
    def unwrapped(self) -> bool:
        """True while soft wrapping is off because a line is longer than LONG_LINE."""
        return self.border_subtitle == UNWRAPPED_NOTE

    def edit(self, edit: Edit) -> EditResult:
        """Perform ``edit``, turning soft wrapping off first if it makes a line very long."""
        if self.soft_wrap and _longest_line_after(self, edit) > LONG_LINE:
            self.soft_wrap = False
            self.border_subtitle = UNWRAPPED_NOTE
        return super().edit(edit)

    def on_text_area_changed(self) -> None:
        """Wrap again once no line is even half of LONG_LINE (a margin, so that typing at
        the limit does not re-wrap the whole draft on every key)."""
        if self.unwrapped and max(map(len, self.document.lines)) <= LONG_LINE // 2:
            self.border_subtitle = ""
            self.soft_wrap = True

    async def _on_paste(self, event: events.Paste) -> None:
        """Insert a paste whole, in order, its control characters shown as symbols
        (instead of TextArea's insertion, which would draw an escape sequence raw)."""
        event.prevent_default()
        if self.read_only:
            return
        result = self.replace(pasted(event.text), *self.selection, maintain_selection_offset=False)
        self.move_cursor(result.end_location)
        self.focus()

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
            self.remember(text)
            self.post_message(self.Submitted(text))

    def remember(self, text: str) -> None:
        """Put ``text`` first in the history (once) and stop browsing it."""
        if text in self.past_prompts:
            self.past_prompts.remove(text)
        self.past_prompts.insert(0, text)
        self._recalled = -1
        self._draft = ""

    def action_cursor_up(self, select: bool = False) -> None:
        """On the first line, the previous prompt; elsewhere the cursor moves up."""
        if select or self.cursor_location[0] > 0 or self._recalled + 1 >= len(self.past_prompts):
            super().action_cursor_up(select)
            return
        if self._recalled == -1:
            self._draft = self.text  # (changes made to a recalled prompt are not kept)
        self._show(self._recalled + 1)

    def action_cursor_down(self, select: bool = False) -> None:
        """While an earlier prompt is shown, on its last line: the next newer one, and
        after the newest the draft again; elsewhere the cursor moves down."""
        last_row = self.document.line_count - 1
        if select or self._recalled < 0 or self.cursor_location[0] < last_row:
            super().action_cursor_down(select)
            return
        self._show(self._recalled - 1)

    def _show(self, position: int) -> None:
        self._recalled = position
        text = self._draft if position < 0 else self.past_prompts[position]
        self.replace(text, self.document.start, self.document.end)  # ctrl+z undoes it
        self.move_cursor(self.document.end if position < 0 else (0, 0))

    def action_editor(self) -> None:
        self.post_message(self.EditorRequested(self.text))

    def action_attach(self) -> None:
        self.post_message(self.AttachRequested())

    def action_complete(self) -> None:
        row, column = self.cursor_location
        found = mention_before(self.document[row], column)
        if found is None:
            self.screen.focus_next()
            return
        start, word = found
        self.post_message(self.AttachRequested(word, start))

    def action_newline(self) -> None:
        self.call_later(self.insert, "\n")


def mention_before(line: str, column: int) -> tuple[int, str] | None:
    """The ``@…`` word that ends at ``column`` of ``line``: its start column and the path
    typed so far (without ``@`` and an opening quote), or None."""
    head = line[:column]
    at = head.rfind("@")
    while at > 0 and not head[at - 1].isspace():
        at = head.rfind("@", 0, at)
    if at < 0:
        return None
    word = head[at + 1 :]
    if word[:1] in ("'", '"'):
        if word[0] in word[1:]:
            return None  # the quoted path is closed
        return at, word[1:]
    if any(ch.isspace() for ch in word):
        return None
    return at, word


def _longest_line_after(area: TextArea, edit: Edit) -> int:
    """At least as long as the longest line ``edit`` leaves (cheap: counts no other lines)."""
    (_, top_column), (bottom_row, bottom_column) = sorted((edit.from_location, edit.to_location))
    last_line = area.document[min(bottom_row, area.document.line_count - 1)]
    kept = top_column + max(0, len(last_line) - bottom_column)
    return kept + max(map(len, edit.text.splitlines()), default=0)
