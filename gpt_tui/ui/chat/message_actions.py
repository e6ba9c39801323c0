"""What the chat screen does with one message: edit it (a new branch when sent), ask for
another reply or more of a stopped one, delete it, copy it or a code block of it, and show
the other branches at its fork."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from gpt_tui.core.domain.code_blocks import code_blocks
from gpt_tui.core.domain.conversation import Conversation
from gpt_tui.core.domain.message import Message
from gpt_tui.core.service.events import TurnPlan, TurnRefused
from gpt_tui.ui.screens.dialogs import Confirm
from gpt_tui.ui.screens.message_dialogs import PickCodeBlock
from gpt_tui.ui.widgets.message_list import MessageActionKind, MessageList
from gpt_tui.ui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen


class MessageActions:
    """The chat screen's actions on messages, and the edit mode of the prompt."""

    def __init__(self, screen: ChatScreen) -> None:
        self._screen = screen
        self._chat = screen.services.chat
        self.editing: str | None = None
        """The past prompt being edited in the input (Enter sends it as a new branch)."""
        self.draft_before_edit = ""
        """What the input held before editing began; it comes back afterwards."""

    async def act(self, message_id: str, action: MessageActionKind) -> None:
        """A key, click or command asked to act on one message of the open conversation."""
        screen = self._screen
        message = screen.conversation.tree.get(message_id)
        if message is None:
            return
        if action == "edit":
            self._begin_edit(message)
        elif action in ("regenerate", "continue"):
            plan = (
                TurnPlan.regenerate(message.id)
                if action == "regenerate"
                else TurnPlan.continue_reply(message.id)
            )
            reason = self._chat.refusal(screen.conversation, plan)
            if reason is not None:
                screen.notify(reason, title="Not sent", severity="warning", timeout=8)
            elif (
                screen.params_valid()
                and screen.unsaved_work.may_send(lambda: screen.turns.start(plan))
                and screen.budget.may_send(plan, lambda: screen.turns.start(plan))
            ):
                screen.turns.start(plan)
        elif action == "delete":
            self._ask_delete(message)
        elif action == "copy":
            what = "your message" if message.role == "user" else "the reply"
            screen.gpt_app.copy_text(message.content, what)
        elif action == "copy-code":
            self._copy_code(message)
        elif action == "files":
            screen.attachments.show_files(message)
        else:
            await self._switch_branch(message, -1 if action == "branch-previous" else 1)

    async def act_on_highlighted(self, role: str, action: MessageActionKind) -> None:
        """A palette command: act on the highlighted message, or the last fitting one."""
        screen = self._screen
        messages = screen.conversation.messages
        target = screen.conversation.tree.get(screen.query_one(MessageList).cursor or "")
        if target is None or target not in messages:
            fitting = [
                m
                for m in messages
                if role in ("any", m.role) or (role == "code" and code_blocks(m.content))
            ]
            target = fitting[-1] if fitting else None
        if target is None:
            screen.notify("There is no message for that here yet.")
            return
        await self.act(target.id, action)

    # Editing -------------------------------------------------------------------------

    def _begin_edit(self, message: Message) -> None:
        screen = self._screen
        if message.role != "user":
            screen.notify("Only your own messages can be edited; g asks for another reply.")
            return
        prompt = screen.query_one(PromptInput)
        if self.editing is None:
            self.draft_before_edit = prompt.text
        self.editing = message.id
        screen.attachments.begin_edit(message)
        prompt.text = message.content
        prompt.move_cursor(prompt.document.end)
        prompt.focus()
        screen.turns.show_status()
        screen.refresh_estimate()
        screen.refresh_bindings()

    def end_edit(self) -> None:
        """Leave editing; the input gets back what it held before."""
        self.editing = None
        self._screen.attachments.end_edit()
        self._screen.query_one(PromptInput).text = self.draft_before_edit
        self.draft_before_edit = ""
        self._screen.turns.show_status()
        self._screen.refresh_bindings()

    # Deleting, copying, branches --------------------------------------------------------

    def _ask_delete(self, message: Message) -> None:
        screen = self._screen
        count = len(screen.conversation.tree.subtree(message.id))
        what = "this prompt" if message.role == "user" else "this reply"
        after = count - 1
        following = (
            f" and the {after} message{'s' if after != 1 else ''} after it (on every branch)"
            if after
            else ""
        )
        screen.app.push_screen(
            Confirm(f"Delete {what}{following}? This cannot be undone.", "Delete"),
            partial(self._delete_confirmed, screen.conversation, message.id),
        )

    async def _delete_confirmed(
        self, conversation: Conversation, message_id: str, confirmed: bool | None
    ) -> None:
        if not confirmed or message_id not in conversation.tree:
            return
        screen = self._screen
        anchor = conversation.tree.parent_id(message_id)
        try:
            removed = self._chat.delete_message(conversation, message_id)
        except TurnRefused as exc:
            screen.notify(str(exc), title="Not deleted", severity="warning")
            return
        if self.editing is not None and self.editing not in conversation.tree:
            self.end_edit()
        count = len(removed)
        screen.notify(f"Deleted {count} message{'s' if count != 1 else ''}.", title="Deleted")
        if conversation is screen.conversation:
            await screen.show_after(anchor)
            screen.refresh_usage()
            screen.turns.show_status()
        screen.refresh_sidebar()

    def _copy_code(self, message: Message) -> None:
        app = self._screen.gpt_app
        blocks = code_blocks(message.content)
        if not blocks:
            self._screen.notify("This message has no code block; y copies the whole message.")
        elif len(blocks) == 1:
            app.copy_text(blocks[0].code, f"the {blocks[0].language or 'code'} block")
        else:

            def chosen(index: int | None) -> None:
                if index is not None:
                    block = blocks[index]
                    app.copy_text(
                        block.code, f"code block {index + 1} ({block.language or 'text'})"
                    )

            app.push_screen(PickCodeBlock(blocks), chosen)

    async def _switch_branch(self, message: Message, step: int) -> None:
        screen = self._screen
        conversation = screen.conversation
        try:
            shown = self._chat.switch_branch(conversation, message.id, step)
        except TurnRefused as exc:
            screen.notify(str(exc), title="Not switched", severity="warning")
            return
        if shown is message:
            if conversation.tree.position(message.id)[1] == 1:
                screen.notify("This message has no other branch (edit it, or g for another reply).")
            return
        await screen.show_after(conversation.tree.parent_id(shown.id))
        screen.query_one(MessageList).cursor = shown.id
        screen.refresh_usage()
        screen.turns.show_status()
        screen.refresh_sidebar()
