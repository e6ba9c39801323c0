"""The chat as a list of messages you can move through and act on, and its branch controls.

:class:`MessageList` is the chat view with a cursor: when it has focus, one message is
highlighted (the last one at first), up/down or j/k move between messages, and single keys
act on the highlighted one. Under it a :class:`MessageBar` offers the same actions to the
mouse. Every message that has alternatives (an edited prompt, a regenerated reply) shows a
``‹ 1/2 ›`` control, always, so other branches are never out of sight.

The widgets only say what the user asked for (:class:`MessageList.ActionChosen`);
the screen decides and the chat service changes the conversation. Which messages have
alternatives is handed down by the screen (:meth:`MessageList.set_branches`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from gpt_tui.core.domain.code_blocks import code_blocks
from gpt_tui.core.domain.finish import can_continue
from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.ui.screens.logprobs import open_probabilities
from gpt_tui.ui.widgets.chat_view import ChatView, ReplyView, UserMessageView

MessageActionKind = Literal[
    "edit",
    "regenerate",
    "continue",
    "delete",
    "copy",
    "copy-code",
    "files",
    "branch-previous",
    "branch-next",
]
"""What the user can ask to do with one message."""

_ACTION_LABELS: dict[MessageActionKind, str] = {
    "edit": "edit",
    "regenerate": "regenerate",
    "continue": "continue",
    "copy": "copy",
    "copy-code": "copy code",
    "files": "files",
    "delete": "delete",
}


def actions_for(message: Message) -> list[MessageActionKind]:
    """The actions offered for a message, in the order the bar shows them."""
    if message.role == "user":
        return ["edit", "regenerate", "copy", "delete"]
    actions: list[MessageActionKind] = ["regenerate"]
    stopped = message.status in (MessageStatus.STOPPED, MessageStatus.INTERRUPTED)
    if (message.content and stopped) or can_continue(message):
        actions.append("continue")
    if message.content:
        actions.append("copy")
    if code_blocks(message.content):
        actions.append("copy-code")
    if message.attachments:
        actions.append("files")
    actions.append("delete")
    return actions


class BarLink(Static):
    """One clickable word of a message bar."""

    def __init__(self, label: str, message_id: str, action: MessageActionKind) -> None:
        super().__init__(Content(label), classes=f"bar-link -{action}", markup=False)
        self.message_id = message_id
        self.action = action

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(MessageList.ActionChosen(self.message_id, self.action))


class MessageBar(Horizontal):
    """The line under a message: ``‹ 1/2 ›`` when it has alternatives, and its actions
    while it is the highlighted message."""

    def __init__(self, message: Message) -> None:
        role = "user" if message.role == "user" else "reply"
        super().__init__(classes=f"message-bar -{role}")
        self.message_id = message.id
        self._message = message
        self._offered = actions_for(message)
        """The actions composed now (a message's status changes what it offers)."""
        self._position = (1, 1)
        self._actions = False

    def compose(self) -> ComposeResult:
        message_id = self.message_id
        with Horizontal(classes="branch-nav"):
            yield BarLink("‹", message_id, "branch-previous")
            yield Static("", classes="branch-position", markup=False)
            yield BarLink("›", message_id, "branch-next")
        with Horizontal(classes="bar-actions"):
            for action in self._offered:
                yield BarLink(_ACTION_LABELS[action], message_id, action)

    def on_mount(self) -> None:
        self._apply()

    def show(self, message: Message, position: tuple[int, int], actions: bool) -> None:
        """Show ``position`` (place, count) among alternatives; the actions when asked."""
        offered = actions_for(message)
        changed = offered != self._offered
        self._message, self._offered = message, offered
        self._position, self._actions = position, actions
        if changed and self.is_mounted:
            self.refresh(recompose=True)
            self.call_after_refresh(self._apply)
        elif self.is_mounted:
            self._apply()

    @property
    def needed(self) -> bool:
        """Whether the bar has anything to show."""
        return self._actions or self._position[1] > 1

    def _apply(self) -> None:
        place, count = self._position
        nav = self.query_one(".branch-nav")
        nav.display = count > 1
        self.query_one(".branch-position", Static).update(Content(f" {place}/{count} "))
        self.query_one(".bar-actions").display = self._actions
        for link in self.query(BarLink):
            if link.action == "branch-previous":
                link.set_class(place <= 1, "-disabled")
            elif link.action == "branch-next":
                link.set_class(place >= count, "-disabled")


class MessageList(ChatView):
    """The chat with a highlighted message that keys and clicks act on.

    | Key | Action |
    | :- | :- |
    | up, k / down, j | Highlight the previous / next message. |
    | left, [ / right, ] | Show the previous / next alternative of the highlighted message. |
    | e | Edit the highlighted prompt in the input; Enter sends it as a new branch. |
    | g | Another reply (kept beside the old one). |
    | m | Continue a stopped reply. |
    | y | Copy the message. |
    | c | Copy one code block of it. |
    | d | Delete the message and what follows it (asks first). |
    | t | Fold or unfold the reasoning of the highlighted reply. |
    | p | Show the highlighted reply's token probabilities. |
    | f | Show the message's attached files. |
    """

    @dataclass
    class ActionChosen(TextualMessage):
        """The user asked to act on one message of the chat (by key, click or palette)."""

        message_id: str
        action: MessageActionKind

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "up,k",
            "move(-1)",
            "Previous",
            show=False,
            tooltip="Highlight the previous message.",
            id="message.previous",
        ),
        Binding(
            "down,j",
            "move(1)",
            "Next",
            show=False,
            tooltip="Highlight the next message.",
            id="message.next",
        ),
        Binding(
            "left,left_square_bracket",
            "act('branch-previous')",
            "‹ Branch",
            show=False,
            tooltip="Show the previous alternative of this message (an earlier edit or reply).",
            id="message.branch-previous",
        ),
        Binding(
            "right,right_square_bracket",
            "act('branch-next')",
            "Branch ›",
            show=False,
            tooltip="Show the next alternative of this message.",
            id="message.branch-next",
        ),
        Binding(
            "e",
            "act('edit')",
            "Edit",
            show=False,
            tooltip="Edit this prompt in the input; Enter sends it as a new branch, Esc cancels.",
            id="message.edit",
        ),
        Binding(
            "g",
            "act('regenerate')",
            "Regenerate",
            show=False,
            tooltip="Ask for another reply; the old one stays as an alternative (‹ 1/2 ›).",
            id="message.regenerate",
        ),
        Binding(
            "m",
            "act('continue')",
            "More",
            show=False,
            tooltip="Continue a stopped, interrupted or cut-off reply where it ended.",
            id="message.continue",
        ),
        Binding(
            "y",
            "act('copy')",
            "Copy",
            show=False,
            tooltip="Copy this message's text to the clipboard.",
            id="message.copy",
        ),
        Binding(
            "c",
            "act('copy-code')",
            "Copy code",
            show=False,
            tooltip="Copy one code block of this message (asks which if there are several).",
            id="message.copy-code",
        ),
        Binding(
            "f",
            "act('files')",
            "Files",
            show=False,
            tooltip="Show the files and images attached to this message, with a preview.",
            id="message.files",
        ),
        Binding(
            "d",
            "act('delete')",
            "Delete",
            show=False,
            tooltip="Delete this message and everything after it on every branch (asks first).",
            id="message.delete",
        ),
        Binding(
            "t",
            "toggle_reasoning",
            "Reasoning",
            show=False,
            tooltip="Fold or unfold what the model thought before this reply.",
            id="message.reasoning",
        ),
        Binding(
            "p",
            "probabilities",
            "Probabilities",
            show=False,
            tooltip="Show each token of this reply shaded by its probability, with the "
            "alternatives (needs token probabilities on in the panel).",
            id="message.probabilities",
        ),
    ]

    cursor: reactive[str | None] = reactive(None, init=False)
    """The highlighted message (its id)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._messages: dict[str, Message] = {}
        self._positions: dict[str, tuple[int, int]] = {}
        self._bars: dict[str, MessageBar] = {}
        self._focus_by_mouse = False

    # What is shown ---------------------------------------------------------------------

    async def show_messages(
        self, conversation_id: str, messages: Sequence[Message], live_text: dict[str, str]
    ) -> None:
        self._bars.clear()
        self._messages = {m.id: m for m in messages}
        await super().show_messages(conversation_id, messages, live_text)
        if self.cursor not in self._messages:
            self.cursor = None
        await self._sync_bars()

    async def show_earlier(self, pages: int = 1) -> None:
        await super().show_earlier(pages)
        await self._sync_bars()

    async def reveal(self, message_id: str) -> bool:
        """Show ``message_id`` (mounting earlier pages) and put the highlight on it."""
        if not await super().reveal(message_id):
            return False
        self.cursor = message_id
        return True

    async def add_message(self, message: Message) -> None:
        self._messages[message.id] = message
        await super().add_message(message)

    async def show_tail(
        self, anchor_id: str | None, messages: Sequence[Message], live_text: dict[str, str]
    ) -> bool:
        """Show ``messages`` below the message ``anchor_id`` (None: from the top) in place
        of what was there: another branch from a fork. False when it cannot be done in
        place (the anchor is not mounted); then show the whole path instead."""
        if not await self.remove_after(anchor_id):
            return False
        for bar_id in [i for i in self._bars if i not in self.shown_ids()]:
            self._bars.pop(bar_id)
        if anchor_id in self._bars:
            self._bars.pop(anchor_id)  # it was below the anchor, so it is gone too
        for message in messages:
            self._messages[message.id] = message
        views = [self._view_for(m, live_text.get(m.id)) for m in messages]
        if views:
            await self.mount_all(views)
        if self.cursor is not None and self.view_of(self.cursor) is None:
            # Follow quietly: the highlight moves to the new branch without scrolling.
            self.set_reactive(MessageList.cursor, messages[0].id if messages else anchor_id)
            self._highlight(self.cursor, self.has_focus)
        if messages and messages[-1].status is MessageStatus.STREAMING:
            self.anchor()  # a new reply streams at the end: follow it, as for a new prompt
        await self._sync_bars()
        return True

    async def set_branches(self, positions: Mapping[str, tuple[int, int]]) -> None:
        """Which shown messages have alternatives: id → (place, count) for count > 1."""
        self._positions = dict(positions)
        await self._sync_bars()

    def mark_streaming(self, message_id: str) -> None:
        """A reply grows again (continue): style it as streaming until it finishes."""
        view = self.view_of(message_id)
        if isinstance(view, ReplyView):
            view.add_class("-streaming")

    def refresh_message(self, message: Message) -> None:
        """A message's status changed (e.g. a reply finished): update its bar's actions."""
        self._messages[message.id] = message
        self.call_later(self._sync_bars)

    # The cursor ------------------------------------------------------------------------

    def focus_on_click(self) -> bool:
        """Focus on click, but let the click itself choose the message: moving the
        highlight first would shift the layout under the pointer before the click lands."""
        self._focus_by_mouse = True
        return True

    def on_focus(self) -> None:
        by_mouse, self._focus_by_mouse = self._focus_by_mouse, False
        if by_mouse:
            self._highlight(self.cursor, True)
            return
        if self.cursor is None or self.view_of(self.cursor) is None:
            shown = self.shown_ids()
            self.cursor = shown[-1] if shown else None
        self._highlight(self.cursor, True)
        self.call_later(self._sync_bars)

    def on_blur(self) -> None:
        self._highlight(self.cursor, False)
        self.call_later(self._sync_bars)

    def on_click(self, event: events.Click) -> None:
        """A click on a message highlights it (dragging still selects text)."""
        widget: Widget | None = event.widget
        while widget is not None and widget.parent is not self:
            parent = widget.parent
            widget = parent if isinstance(parent, Widget) else None
        if isinstance(widget, UserMessageView | ReplyView):
            self.cursor = widget.message_id
            if not self.has_focus:
                self.focus()

    def watch_cursor(self, old: str | None, new: str | None) -> None:
        self._highlight(old, False)
        self._highlight(new, self.has_focus)
        self.call_later(self._sync_bars)
        shown = self.shown_ids()
        if new is not None and shown and new != shown[-1]:
            self.release_anchor()
        self.call_after_refresh(self._scroll_to_cursor)

    def _scroll_to_cursor(self) -> None:
        """Bring the highlighted message and its bar into view (its top, if it is taller
        than the chat)."""
        view = self.view_of(self.cursor) if self.cursor is not None else None
        if view is None:
            return
        region = view.virtual_region_with_margin
        bar = self._bars.get(view.message_id)
        if bar is not None and bar.display:
            region = region.union(bar.virtual_region_with_margin)
        tall = region.height > self.scrollable_content_region.height
        self.scroll_to_region(region, animate=False, top=tall, immediate=True)

    async def action_move(self, step: int) -> None:
        shown = self.shown_ids()
        if not shown:
            return
        if self.cursor not in shown:
            self.cursor = shown[-1]
            return
        index = shown.index(self.cursor) + step
        if index < 0 and self._hidden:
            await self.show_earlier()
            shown = self.shown_ids()
            index = shown.index(self.cursor) + step
        self.cursor = shown[max(0, min(index, len(shown) - 1))]

    def action_toggle_reasoning(self) -> None:
        """Fold or unfold the highlighted reply's reasoning (a view change: no intent)."""
        view = self.view_of(self.cursor) if self.cursor is not None else None
        reasoning = view.reasoning if isinstance(view, ReplyView) else None
        if reasoning is None:
            self.notify("This message has no reasoning.", severity="information", timeout=3)
            return
        reasoning.toggle()

    def action_probabilities(self) -> None:
        """The highlighted reply's token probabilities (a view: no intent to the screen)."""
        message = self._messages.get(self.cursor) if self.cursor is not None else None
        open_probabilities(self.app, message)

    def action_act(self, action: MessageActionKind) -> None:
        if self.cursor is not None:
            self.post_message(self.ActionChosen(self.cursor, action))

    def _highlight(self, message_id: str | None, on: bool) -> None:
        view = self.view_of(message_id) if message_id is not None else None
        if view is not None:
            view.set_class(on, "-cursor")

    async def _sync_bars(self) -> None:
        """Mount, update or remove bars so each shown message has the one it needs."""
        for message_id in self.shown_ids():
            message = self._messages.get(message_id)
            view = self.view_of(message_id)
            if message is None or view is None:
                continue
            position = self._positions.get(message_id, (1, 1))
            actions = message_id == self.cursor and self.has_focus
            bar = self._bars.get(message_id)
            if bar is None:
                if not (actions or position[1] > 1):
                    continue
                bar = MessageBar(message)
                self._bars[message_id] = bar
                bar.show(message, position, actions)
                await self.mount(bar, after=view)
            else:
                bar.show(message, position, actions)
                bar.display = bar.needed
