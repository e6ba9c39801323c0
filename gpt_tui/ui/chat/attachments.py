"""Attachments on the chat screen: the next prompt's files, ``@path`` in the prompt, Tab
completion of paths, the ctrl+o picker, and what is missing when a conversation opens.

Files are read, checked and scaled by :class:`~gpt_tui.core.service.attachments.AttachmentService`
in a thread (``asyncio.to_thread``), so a 20 MB photo never blocks typing; the results come
back on the event loop. A prompt whose ``@path`` cannot be attached is not sent: the reason
is shown and the draft stays. An attachment the model cannot read (an image on a model
without vision) is refused by the chat service before sending, like any refusal.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gpt_tui.core.domain.attachments import Attachment, AttachmentRefused
from gpt_tui.core.domain.message import Message
from gpt_tui.core.service.attachments import (
    complete_path,
    mentions,
    preview,
    without_mentions,
)
from gpt_tui.ui.screens.attach_picker import AttachPicker
from gpt_tui.ui.screens.attachment_preview import AttachmentPreviewScreen
from gpt_tui.ui.widgets.attachment_chips import AttachmentChips, AttachmentIntent
from gpt_tui.ui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen

SHOWN_COMPLETIONS = 8
"""Candidates a Tab names when several paths complete what was typed."""


class PromptAttachments:
    """The attachments of the next prompt, and how they are added and removed."""

    def __init__(self, screen: ChatScreen, cwd: Path | None = None) -> None:
        self._screen = screen
        self._service = screen.services.attachments
        self.cwd = cwd or Path.cwd()
        self.pending: tuple[Attachment, ...] = ()
        self.busy = 0
        """Files being read now."""
        self._before_edit: tuple[Attachment, ...] | None = None
        """The draft's chips while a past prompt is being edited."""
        self._reported: set[str] = set()
        """Conversations whose missing files were already reported."""

    # Adding and removing -------------------------------------------------------------

    def handle(self, event: AttachmentIntent) -> None:
        """The prompt's ctrl+o or Tab, or a chip's removal."""
        if isinstance(event, AttachmentChips.Removed):
            self.pending = tuple(a for i, a in enumerate(self.pending) if i != event.index)
            self._changed()
        elif not isinstance(event, PromptInput.AttachRequested):
            return
        elif event.word is None:
            self._screen.app.push_screen(AttachPicker(self.cwd), self._picked)
        else:
            self.complete(event.word, event.column)

    def _picked(self, path: Path | None) -> None:
        if path is not None:
            self._screen.run_worker(self.add([str(path)]), group="attachments")
        self._screen.action_focus_prompt()

    async def add(self, targets: Sequence[str]) -> bool:
        """Attach ``targets`` (paths or image URLs) off the event loop; False, with the
        reasons shown, when any could not be attached (the others are kept)."""
        self.busy += len(targets)
        self._show()
        refused: list[str] = []
        try:
            for target in targets:
                try:
                    attachment = await asyncio.to_thread(self._service.attach, target, self.cwd)
                except AttachmentRefused as exc:
                    refused.append(str(exc))
                    continue
                if attachment not in self.pending:
                    self.pending = (*self.pending, attachment)
        finally:
            self.busy -= len(targets)
            self._changed()
        if refused:
            self._screen.notify(
                "\n".join(refused), title="Not attached", severity="warning", timeout=10
            )
        return not refused

    def sent(self, attached: Sequence[Attachment]) -> None:
        """The prompt went out with ``attached``: their chips go (others stay: the draft's
        own, back after an edited prompt was sent)."""
        self.pending = tuple(a for a in self.pending if a not in attached)
        self._changed()

    def begin_edit(self, message: Message) -> None:
        """A past prompt is edited in the input: its files become the chips meanwhile."""
        if self._before_edit is None:
            self._before_edit = self.pending
        self.pending = message.attachments
        self._changed()

    def end_edit(self) -> None:
        """Editing ended: the draft's own chips come back."""
        if self._before_edit is not None:
            self.pending, self._before_edit = self._before_edit, None
            self._changed()

    def _changed(self) -> None:
        self._show()
        self._screen.refresh_estimate()

    def _show(self) -> None:
        screen = self._screen
        tokens = screen.services.chat.attachment_tokens(screen.conversation, self.pending)
        screen.query_one(AttachmentChips).show(self.pending, tokens, self.busy)

    # The prompt ----------------------------------------------------------------------

    def submit(self, text: str) -> None:
        """Send ``text``; its ``@path`` words are attached first (and taken out of it)."""
        found = mentions(text, self.cwd)
        if not found:
            if self.busy:
                self._screen.notify("Wait a moment: files are still being read.")
                return
            self._screen.send(text)
            return
        self._screen.run_worker(self._attach_then_send(text), group="attachments")

    async def _attach_then_send(self, text: str) -> None:
        found = mentions(text, self.cwd)
        if await self.add([m.target for m in found]):
            prompt = self._screen.query_one(PromptInput)
            clean = without_mentions(text, found)
            if prompt.text == text:
                prompt.text = clean
            self._screen.send(clean)

    def complete(self, word: str, column: int) -> None:
        """Complete the ``@word`` at ``column`` of the cursor's line (Tab); once it names
        one file, that file is attached (a chip) and the word leaves the prompt."""
        found = complete_path(word, self.cwd)
        prompt = self._screen.query_one(PromptInput)
        if not found:
            self._screen.notify(f"No file or folder starts with {word or '…'}.", timeout=3)
            return
        common = os.path.commonprefix(found)  # noqa: RUF071 - completion is by characters
        if len(found) > 1 and common == word:
            shown = ", ".join(found[:SHOWN_COMPLETIONS])
            more = len(found) - SHOWN_COMPLETIONS
            self._screen.notify(shown + (f" and {more} more" if more > 0 else ""), timeout=5)
            return
        row, cursor = prompt.cursor_location
        if len(found) == 1 and not common.endswith("/"):
            # A whole file: it becomes a chip, and leaves the text.
            prompt.replace("", (row, column), (row, cursor))
            self._screen.run_worker(self.add([common]), group="attachments")
            return
        written = f'@"{common}' if any(ch.isspace() for ch in common) else f"@{common}"
        prompt.replace(written, (row, column), (row, cursor))

    # Sent messages -------------------------------------------------------------------

    def show_files(self, message: Message) -> None:
        """Show ``message``'s attachments with previews (made in a thread)."""
        if message.attachments:
            self._screen.run_worker(self._show_files(message), group="attachments")

    async def _show_files(self, message: Message) -> None:
        size = self._screen.app.size
        columns, rows = max(8, size.width * 8 // 10), max(4, size.height // 2)
        previews = [
            await asyncio.to_thread(preview, self._service, a, columns, rows)
            for a in message.attachments
        ]
        self._screen.app.push_screen(AttachmentPreviewScreen(previews))

    # Opening a conversation ----------------------------------------------------------

    def report_missing(self) -> None:
        """Say once per conversation which of its attachments' files are gone (the
        messages still show)."""
        conversation = self._screen.conversation
        if conversation.id in self._reported:
            return
        self._reported.add(conversation.id)
        attached = [a for m in conversation.messages for a in m.attachments]
        if not attached:
            return
        gone = self._service.missing(attached)
        if gone:
            names = ", ".join(sorted({a.name for a in gone}))
            self._screen.notify(
                f"Attached files missing from the data folder: {names}. The messages still "
                "show; a request that needs them says so in their place.",
                title="Attachments missing",
                severity="warning",
                timeout=10,
            )
