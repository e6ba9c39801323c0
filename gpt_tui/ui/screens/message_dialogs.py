"""Dialogs for message actions: pick a code block to copy, and show copied text.

:class:`CopiedText` is the clipboard fallback. gpt-tui copies through the terminal (OSC 52),
which works in most terminals but is ignored by some (macOS Terminal, tmux unless its
``set-clipboard`` option is ``on``, GNU screen). There the copied text is shown in a
read-only text box: select it with the terminal's own selection (shift+drag in most
terminals, or tmux copy mode), without the chat's borders in the way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option

from gpt_tui.core.domain.code_blocks import CodeBlock


def clipboard_caveat(env: Mapping[str, str]) -> str | None:
    """Why the terminal may ignore OSC 52 clipboard writes here, or None if it should work."""
    if env.get("TERM_PROGRAM") == "Apple_Terminal":
        return "macOS Terminal ignores clipboard requests from programs"
    if env.get("TMUX"):
        return "tmux passes clipboard requests on only with `set -g set-clipboard on`"
    if env.get("STY"):
        return "GNU screen does not pass clipboard requests on"
    return None


class PickCodeBlock(ModalScreen[int | None]):
    """Which code block to copy: arrows and Enter, a digit, or a click; Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Copy nothing.", id="dialog.cancel"),
    ]

    def __init__(self, blocks: Sequence[CodeBlock]) -> None:
        super().__init__(classes="dialog")
        self._blocks = list(blocks)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(
                Content(f"Copy which code block? ({len(self._blocks)} in this message)"),
                classes="dialog-question",
                markup=False,
            )
            yield OptionList(
                *(
                    Option(Content(f"{n}. {block.label}"), id=str(n - 1))
                    for n, block in enumerate(self._blocks, start=1)
                ),
                id="code-block-list",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def on_key(self, event: events.Key) -> None:
        key = event.character
        if key is not None and key.isdigit() and 1 <= int(key) <= len(self._blocks):
            event.stop()
            self.dismiss(int(key) - 1)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CopiedText(ModalScreen[None]):
    """Copied text shown whole, for terminals that ignore OSC 52; Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Close.", id="dialog.close"),
    ]

    def __init__(self, text: str, what: str, caveat: str) -> None:
        super().__init__(classes="dialog")
        self._text = text
        self._what = what
        self._caveat = caveat

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box copied-text"):
            yield Static(
                Content(
                    f"Copied {self._what}, but {self._caveat}. If it did not arrive, select "
                    "the text below with your terminal (shift+drag in most terminals, copy "
                    "mode in tmux). Esc closes."
                ),
                classes="dialog-question",
                markup=False,
            )
            yield TextArea(
                self._text,
                read_only=True,
                soft_wrap=False,
                show_line_numbers=False,
                id="copied-text",
            )

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)
