"""The conversation: user prompts shown literally, replies rendered as streaming Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from gpt_tui.core.domain.conversation import DEMO_MODEL
from gpt_tui.core.domain.finish import finish_mark
from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.domain.text import printable
from gpt_tui.ui.widgets.reasoning_view import ReasoningView, structured_lines, structured_view
from gpt_tui.ui.widgets.received import Received
from gpt_tui.ui.widgets.reply_body import ReplyBody

_STATUS_TEXT = {
    MessageStatus.STREAMING: "",
    MessageStatus.STOPPED: "■ stopped",
    MessageStatus.INTERRUPTED: "⚠ interrupted",
    MessageStatus.ERROR: "⚠ failed",
}

UNANSWERED_HINT = (
    "The prompt above is not sent with later messages: ctrl+r sends it again, "
    "e edits it, d deletes it (highlight it with ↑ in the chat)."
)


def model_label(model: str | None) -> str:
    """How a model's name shows: the offline demo is always labelled as such."""
    if not model:
        return "assistant"
    return "demo (offline)" if model == DEMO_MODEL else model


class UserMessageView(Static):
    """A prompt, exactly as typed (no markup is interpreted)."""

    def __init__(self, message: Message) -> None:
        shown = Content(printable(message.content))
        if message.attachments:
            listed = ", ".join(printable(f"{a.label} ({a.kind})") for a in message.attachments)
            shown = Content.assemble(
                shown, "\n" if message.content else "", (f"⎘ {listed}", "italic")
            )
        super().__init__(shown, classes="user-message", markup=False)
        self.border_title = "You"
        self.message_id = message.id


class ReplyView(Vertical):
    """An assistant reply: Markdown body and a line saying how it ended."""

    def __init__(self, message: Message, text: str | None = None) -> None:
        super().__init__(classes="reply")
        self.message_id = message.id
        self.border_title = Content(printable(message.label or model_label(message.model)))
        initial = message.content if text is None else text
        self._initial = printable(structured_view(message, initial))
        self._received = Received(len(initial))
        """Characters of the reply's own text shown so far (before :func:`printable`)."""
        self._message = message

    def compose(self):  # type: ignore[no-untyped-def]
        from gpt_tui.ui.widgets.tool_cards import tool_call_cards  # builds on this module

        if self._message.reasoning is not None:
            yield ReasoningView(
                self._message.reasoning,
                thinking=False,
                reasoning_tokens=_reasoning_tokens(self._message),
            )
        yield ReplyBody(self._initial, classes="reply-body")
        yield from tool_call_cards(self._message)
        yield Static("", classes="reply-status", markup=False)

    def on_mount(self) -> None:
        self.show_status(self._message)
        if self._message.status is MessageStatus.STREAMING:
            self.add_class("-streaming")

    def show_status(self, message: Message) -> None:
        """Show how the reply ended, with the error and what to do next."""
        status = self.query_one(".reply-status", Static)
        lines = [
            _STATUS_TEXT.get(message.status, ""),
            finish_mark(message),
            *(f"ℹ {n}" for n in message.notices),
        ]
        lines.extend(structured_lines(message))
        if message.error is not None:
            lines.append(message.error.title)
            if message.error.hint:
                lines.append(message.error.hint)
            if message.error.request_id:
                lines.append(f"request id: {message.error.request_id}")
        if message.status is MessageStatus.ERROR:
            lines.append(UNANSWERED_HINT)
        text = printable("\n".join(line for line in lines if line))
        status.update(Content(text))
        status.display = bool(text)
        self.set_class(message.status is MessageStatus.ERROR, "-error")
        self.set_class(message.status is MessageStatus.INTERRUPTED, "-interrupted")
        self.set_class(bool(finish_mark(message)), "-cut-off")

    @property
    def body(self) -> ReplyBody:
        return self.query_one(".reply-body", ReplyBody)

    async def append(self, text: str, start: int) -> None:
        """Add streamed text that begins at ``start`` in the reply; a part this view already
        shows (it was made from a copy saved while the text was on its way) is skipped."""
        new = self._received.new_part(text, start)
        if not new:
            return
        reasoning = self.reasoning
        if reasoning is not None and reasoning.thinking:
            await reasoning.stop_thinking()
        await self.body.append(printable(new))

    @property
    def reasoning(self) -> ReasoningView | None:
        """The reasoning section, if the reply has one."""
        views = self.query_children(ReasoningView)
        return views.first() if views else None

    async def append_reasoning(self, text: str, start: int) -> None:
        """Add streamed reasoning (the section appears with the first of it)."""
        view = self.reasoning
        if view is None:
            view = ReasoningView(None, thinking=True)
            await self.mount(view, before=self.body)
        await view.append(text, start)

    async def finish(self, message: Message) -> None:
        """The reply ended: flush what is buffered and show how it ended."""
        reasoning = self.reasoning
        if reasoning is not None:
            await reasoning.stop_thinking(message.reasoning, _reasoning_tokens(message))
        await self.body.finish()
        shown = structured_view(message, message.content)
        if shown != message.content:  # a JSON reply: shown again, indented
            await self.body.remove()
            status = self.query_one(".reply-status")
            await self.mount(ReplyBody(printable(shown), classes="reply-body"), before=status)
        self.remove_class("-streaming")
        self.show_status(message)
        if message.tool_calls and not self.query(".tool-call"):
            from gpt_tui.ui.widgets.tool_cards import tool_call_cards

            status = self.query_one(".reply-status", Static)
            await self.mount_all(tool_call_cards(message), before=status)


def _reasoning_tokens(message: Message) -> int:
    return message.usage.reasoning_tokens if message.usage is not None else 0


PAGE = 40
"""Messages mounted at a time when earlier ones are asked for."""

FIRST_PAGE = 16
"""Messages mounted when a conversation opens: more than a tall terminal shows, few enough
to draw at once; scrolling to the top (or ctrl+u) mounts earlier ones a page at a time."""


class EarlierMessages(Static):
    """A control at the top of a long conversation that mounts the previous page."""

    def on_click(self) -> None:
        chat = self.parent
        if isinstance(chat, ChatView):
            chat.run_worker(chat.show_earlier(), exclusive=True, group="earlier")


class ChatView(VerticalScroll):
    """The messages of one conversation; follows a streaming reply unless scrolled up.

    Only the latest :data:`FIRST_PAGE` messages are mounted at first (thousands of
    Markdown widgets would take seconds and hundreds of MB); scrolling to the top, a click
    on the marker there or ctrl+u mounts :data:`PAGE` more, keeping the view in place.
    """

    can_focus = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+u",
            "show_earlier",
            "Earlier",
            tooltip="Show earlier messages of a long conversation.",
            id="chat.earlier",
        ),
    ]

    async def action_show_earlier(self) -> None:
        await self.show_earlier()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.conversation_id: str | None = None
        self._replies: dict[str, ReplyView] = {}
        self._views: dict[str, UserMessageView | ReplyView] = {}
        self._excluded: frozenset[str] = frozenset()
        self._hidden: list[Message] = []
        """Older messages not mounted yet (oldest first)."""

    async def show_messages(
        self, conversation_id: str, messages: Sequence[Message], live_text: dict[str, str]
    ) -> None:
        """Replace what is shown with these messages (``live_text`` for streaming replies)."""
        self.conversation_id = conversation_id
        await self.remove_children()
        self._replies.clear()
        self._views.clear()
        self._excluded = frozenset()
        shown = [m for m in messages if m.role != "system"]
        self._hidden, shown = shown[:-FIRST_PAGE], shown[-FIRST_PAGE:]
        views = [self._view_for(m, live_text.get(m.id)) for m in shown]
        if self._hidden:
            await self.mount(EarlierMessages(self._earlier_text(), id="earlier", markup=False))
        if views:
            await self.mount_all(views)
        self.scroll_end(animate=False, immediate=True)
        self.anchor()

    def _earlier_text(self) -> Content:
        count = min(PAGE, len(self._hidden))
        return Content(
            f"▲ {len(self._hidden):,} earlier messages: click, or ctrl+u in the chat, "
            f"to show {count} more"
        )

    async def show_earlier(self, pages: int = 1) -> None:
        """Mount the previous page (or ``pages`` pages) of messages above the ones shown;
        what was on screen stays where it was."""
        if not self._hidden:
            return
        count = PAGE * max(1, pages)
        page, self._hidden = self._hidden[-count:], self._hidden[:-count]
        marker = self.query_one("#earlier", EarlierMessages)
        top = next((c for c in self.children if c is not marker), None)
        offset = self.scroll_y - top.virtual_region.y if top is not None else 0
        await self.mount_all([self._view_for(m, None) for m in page], after=marker)
        if self._hidden:
            marker.update(self._earlier_text())
        else:
            await marker.remove()
        if top is not None:
            self.release_anchor()
            self.call_after_refresh(self._keep_in_view, top, offset)

    def _keep_in_view(self, widget: Widget, offset: float) -> None:
        self.scroll_to(y=widget.virtual_region.y + offset, animate=False, immediate=True)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        # Only when the user scrolled up (a conversation being opened also passes 0).
        if new <= 0 < old and self._hidden and self._anchor_released:
            self.run_worker(self.show_earlier(), exclusive=True, group="earlier")

    async def reveal(self, message_id: str) -> bool:
        """Mount earlier pages until ``message_id`` is shown, then scroll it into view;
        False when it is not on the shown branch."""
        if self.view_of(message_id) is None:
            hidden = [m.id for m in self._hidden]
            if message_id not in hidden:
                return False
            from_end = len(hidden) - hidden.index(message_id)
            await self.show_earlier(pages=-(-from_end // PAGE))
        view = self.view_of(message_id)
        if view is None:
            return False
        self.release_anchor()
        self.call_after_refresh(self.scroll_to_widget, view, animate=False, top=True)
        return True

    async def add_message(self, message: Message) -> None:
        """Show one more message at the end."""
        await self.mount(self._view_for(message, None))
        self.anchor()

    async def append(self, message_id: str, text: str, start: int) -> None:
        view = self._reply(message_id)
        if view is not None:
            await view.append(text, start)

    async def append_reasoning(self, message_id: str, text: str, start: int) -> None:
        view = self._reply(message_id)
        if view is not None:
            await view.append_reasoning(text, start)

    async def finish(self, message: Message) -> None:
        view = self._reply(message.id)
        if view is not None:
            await view.finish(message)

    def _reply(self, message_id: str) -> ReplyView | None:
        return self._replies.get(message_id)

    def view_of(self, message_id: str) -> UserMessageView | ReplyView | None:
        """The mounted view of a message, if it is shown."""
        return self._views.get(message_id)

    def shown_ids(self) -> list[str]:
        """The ids of the messages mounted now, top to bottom."""
        return [
            child.message_id
            for child in self.children
            if isinstance(child, UserMessageView | ReplyView)
        ]

    async def remove_after(self, message_id: str | None) -> bool:
        """Unmount everything below the view of ``message_id`` (None: every message), so
        another branch can be shown from there. False (nothing removed) when that message
        is not mounted, or when earlier messages are still hidden above a full reset."""
        if message_id is None:
            if self._hidden:
                return False
            start = 0
        else:
            view = self._views.get(message_id)
            if view is None or view.parent is not self:
                return False
            start = self.children.index(view) + 1
        doomed = list(self.children[start:])
        for widget in doomed:
            if isinstance(widget, UserMessageView | ReplyView):
                self._views.pop(widget.message_id, None)
                self._replies.pop(widget.message_id, None)
        await self.remove_children(doomed)
        return True

    def set_excluded(self, message_ids: frozenset[str]) -> None:
        """Dim the messages the next request will not send (context strategy)."""
        if message_ids == self._excluded:
            return
        for message_id in self._excluded ^ message_ids:
            view = self._views.get(message_id)
            if view is not None:
                view.set_class(message_id in message_ids, "-excluded")
        self._excluded = message_ids

    def _view_for(self, message: Message, text: str | None) -> UserMessageView | ReplyView:
        view: UserMessageView | ReplyView
        if message.role == "user":
            view = UserMessageView(message)
        elif message.role == "tool":
            from gpt_tui.ui.widgets.tool_cards import ToolResultView  # builds on this module

            view = ToolResultView(message)
        else:
            view = ReplyView(message, text)
            self._replies[message.id] = view
        self._views[message.id] = view
        return view
