"""What the chat screen does with whole conversations: new, open (from the list, the palette
or a search hit), rename, pin, duplicate, delete and undo, export.

Each action that reads or changes a saved conversation goes through
:func:`reports_store_errors`, so a file that cannot be read or written is always said the
same way and never ends the app.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec

from gpt_tui.core.service.events import TurnRefused
from gpt_tui.core.store.conversations import StoreError
from gpt_tui.core.store.search_index import SearchHit
from gpt_tui.paths import display_path
from gpt_tui.ui.screens.dialogs import AskText, Confirm
from gpt_tui.ui.widgets.message_list import MessageList

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen

UNDO_SECONDS = 10.0
"""How long a deleted conversation can be brought back with "u"."""

P = ParamSpec("P")
Action = Callable[Concatenate["ConversationActions", P], Coroutine[Any, Any, None]]


def reports_store_errors(title: str) -> Callable[[Action[P]], Action[P]]:
    """Run the action; when the store fails (:class:`StoreError`), say so under ``title``
    and show the conversation list again (a file that vanished drops out of it)."""

    def decorate(action: Action[P]) -> Action[P]:
        @functools.wraps(action)
        async def guarded(self: ConversationActions, /, *args: P.args, **kwargs: P.kwargs) -> None:
            try:
                await action(self, *args, **kwargs)
            except StoreError as exc:
                self.screen.notify(str(exc), title=title, severity="error")
                self.screen.refresh_sidebar()

        return guarded

    return decorate


class ConversationActions:
    """The chat screen's actions on conversations."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen
        self._chat = screen.services.chat
        self._deleted: str | None = None
        """The conversation deleted last, while "undo" can still bring it back."""

    def new(self) -> None:
        """A blank conversation (unless the open one is still blank)."""
        if self.screen.conversation.messages:
            self.screen.conversation = self._chat.new_conversation()

    @reports_store_errors("Could not open the conversation")
    async def open(self, conversation_id: str) -> None:
        screen = self.screen
        if conversation_id != screen.conversation.id:
            screen.conversation = self._chat.open(conversation_id)
        screen.action_focus_prompt()

    @reports_store_errors("Could not open the conversation")
    async def open_hit(self, hit: SearchHit | None) -> None:
        """Open the conversation of a search hit and show, highlight and scroll to its
        message, switching to its branch when another one is shown."""
        if hit is None:
            return
        conversation = self._chat.open(hit.conversation_id)
        note = ""
        if hit.message_id is not None and hit.message_id not in conversation.tree:
            note = "That message is no longer in this conversation (it was deleted)."
        elif hit.message_id is not None:
            try:
                switched = self._chat.select_message(conversation, hit.message_id)
            except TurnRefused as exc:
                switched, note = False, f"The match is on another branch. {exc}"
            if switched:
                note = "The match is on another branch: that branch is shown now."
        if conversation is not self.screen.conversation or note:
            self.screen.conversation = conversation
        # After the conversation is shown (the watcher runs first).
        self.screen.call_next(self._reveal, hit.message_id, note)

    async def _reveal(self, message_id: str | None, note: str) -> None:
        screen = self.screen
        chat = screen.query_one(MessageList)
        if message_id is not None and await chat.reveal(message_id):
            chat.focus()
        else:
            screen.action_focus_prompt()
        if note:
            screen.notify(note, title="Search")

    @reports_store_errors("Could not open the conversation")
    async def request(self, kind: str, conversation_id: str | None) -> None:
        """Rename, pin, duplicate, delete (asks first) or undelete a conversation."""
        if kind == "undelete":
            await self._undelete()
            return
        if conversation_id is None:
            return
        screen = self.screen
        conversation = self._chat.open(conversation_id)
        if kind == "rename":
            screen.app.push_screen(
                AskText("New title:", conversation.title), partial(self._renamed, conversation.id)
            )
        elif kind == "pin":
            self._chat.set_pinned(conversation, not conversation.pinned)
            screen.refresh_sidebar()
        elif kind == "duplicate":
            screen.conversation = self._chat.duplicate(conversation)
        elif kind == "delete":
            title = conversation.title or "New chat"
            screen.app.push_screen(
                Confirm(f"Delete “{title}” ({len(conversation.messages)} messages)?", "Delete"),
                partial(self._delete_confirmed, conversation.id),
            )

    @reports_store_errors("Not renamed")
    async def _renamed(self, conversation_id: str, title: str | None) -> None:
        if title is None or not title.strip():
            return
        self._chat.rename(self._chat.open(conversation_id), title)
        self.screen.show_title()
        self.screen.refresh_sidebar()

    @reports_store_errors("Not deleted")
    async def _delete_confirmed(self, conversation_id: str, confirmed: bool | None) -> None:
        if not confirmed:
            return
        screen = self.screen
        conversation = self._chat.open(conversation_id)
        try:
            self._chat.delete(conversation)
        except TurnRefused as exc:
            screen.notify(str(exc), title="Not deleted", severity="warning")
            return
        self._deleted = conversation_id
        screen.set_timer(UNDO_SECONDS, partial(self._forget_undo, conversation_id))
        screen.notify(
            f"Deleted “{conversation.title or 'New chat'}”. Press u in the list (or ctrl+p → "
            f"Undo delete) within {UNDO_SECONDS:g} s to bring it back.",
            title="Deleted",
            timeout=UNDO_SECONDS,
        )
        if conversation_id == screen.conversation.id:
            screen.conversation = self._chat.new_conversation()
        else:
            screen.refresh_sidebar()

    def _forget_undo(self, conversation_id: str) -> None:
        if self._deleted == conversation_id:
            self._deleted = None

    @reports_store_errors("Could not undo")
    async def _undelete(self) -> None:
        screen = self.screen
        if self._deleted is None:
            screen.notify("Nothing to undo: the undo time has passed or nothing was deleted.")
            return
        conversation_id, self._deleted = self._deleted, None
        conversation = self._chat.undelete(conversation_id)
        screen.conversation = conversation
        screen.notify(f"Restored “{conversation.title or 'New chat'}”.")

    def export(self, fmt: str) -> None:
        """Export the open conversation into the folder gpt-tui was started from."""
        screen = self.screen
        if not screen.conversation.messages:
            screen.notify("This chat is empty: nothing to export yet.")
            return
        try:
            path = self._chat.export(screen.conversation, fmt, Path.cwd())
        except OSError as exc:
            screen.notify(f"Could not write the file: {exc}", title="Export", severity="error")
            return
        screen.notify(f"Wrote {display_path(path)}", title="Exported")
