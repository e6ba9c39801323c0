"""The attachments waiting to go with the next prompt, one chip each above the prompt.

A chip shows the file's name, size and its tokens for the current model; clicking it, or
delete / backspace while it has focus, removes it (the screen decides:
:class:`AttachmentChips.Removed`). The row is hidden while there is nothing attached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from gpt_tui.core.domain.attachments import Attachment


class AttachmentIntent(Message):
    """Something the user asked of the next prompt's attachments (the screen's attachments
    controller handles every kind)."""


class AttachmentChip(Static, can_focus=True):
    """One attachment: "image chart.png 120 KB 1024×768 · 765 tok ✕".

    | Key | Action |
    | :- | :- |
    | delete, backspace | Remove this attachment from the prompt. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "delete,backspace",
            "remove",
            "Remove",
            tooltip="Remove this attachment from the prompt.",
            id="attachment.remove",
        ),
    ]

    def __init__(self, attachment: Attachment, tokens: int | None, index: int) -> None:
        text = f"{attachment.kind} {attachment.label}"
        if tokens:
            text += f" · {tokens:,} tok"
        super().__init__(Content(text + " ✕"), classes="attachment-chip", markup=False)
        self.index = index
        self.tooltip = "Click, or delete, to remove it"

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_remove()

    def action_remove(self) -> None:
        self.post_message(AttachmentChips.Removed(self.index))


class AttachmentChips(HorizontalGroup):
    """The row of :class:`AttachmentChip` for the next prompt's attachments."""

    DEFAULT_CSS = """
    AttachmentChips {
        height: auto;
        display: none;
        padding: 0 1;
    }
    AttachmentChips.-shown {
        display: block;
    }
    AttachmentChips .attachment-chip {
        width: auto;
        height: 1;
        margin-right: 1;
        padding: 0 1;
        background: $boost;
        color: $text;
    }
    AttachmentChips .attachment-chip:focus {
        background: $primary 40%;
    }
    AttachmentChips .attachment-chip.-busy {
        color: $text-muted;
        text-style: italic;
    }
    """

    @dataclass
    class Removed(AttachmentIntent):
        """The user removed the attachment at ``index`` from the next prompt."""

        index: int

    def show(
        self, attachments: Sequence[Attachment], tokens: Sequence[int | None], busy: int
    ) -> None:
        """Show ``attachments`` (with their tokens), and ``busy`` files still being read."""
        self.remove_children()
        chips: list[Static] = [
            AttachmentChip(a, t, i)
            for i, (a, t) in enumerate(zip(attachments, tokens, strict=True))
        ]
        if busy:
            chips.append(
                Static(
                    Content(f"reading {busy} file{'s' if busy > 1 else ''}…"),
                    classes="attachment-chip -busy",
                    markup=False,
                )
            )
        self.mount_all(chips)
        self.set_class(bool(chips), "-shown")
