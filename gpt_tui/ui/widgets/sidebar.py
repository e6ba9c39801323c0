"""The list of saved conversations: pinned first, then grouped by date, filterable by title.

The sidebar only shows and asks: picking, renaming, pinning, duplicating and deleting are
posted up as messages; the chat screen carries them out through the chat service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from gpt_tui.core.domain.conversation import ConversationSummary
from gpt_tui.core.domain.text import printable


def relative_time(then: datetime, now: datetime) -> str:
    """A compact age: "now", "5m", "3h", "2d", then the date."""
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d"
    return then.astimezone(now.tzinfo).strftime("%Y-%m-%d")


def date_group(then: datetime, now: datetime) -> str:
    """Today, Yesterday, Previous 7 days, then month by month (local dates)."""
    local_now = now.astimezone()
    day = then.astimezone(local_now.tzinfo).date()
    today = local_now.date()
    if day >= today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    if day > today - timedelta(days=7):
        return "Previous 7 days"
    return day.strftime("%B %Y")


def grouped(
    summaries: list[ConversationSummary], now: datetime
) -> list[tuple[str, list[ConversationSummary]]]:
    """Pinned conversations, then the rest by date group, newest first within each."""
    groups: dict[str, list[ConversationSummary]] = {}
    pinned = [s for s in summaries if s.pinned]
    if pinned:
        groups["Pinned"] = pinned
    for summary in summaries:
        if not summary.pinned:
            groups.setdefault(date_group(summary.updated_at, now), []).append(summary)
    return list(groups.items())


MAX_LISTED = 300
"""Conversations listed at once; the filter searches all of them."""


class ConversationList(OptionList):
    """Conversations as options whose ids are the conversation ids; headers are disabled.

    | Key | Action |
    | :- | :- |
    | enter | Open the conversation. |
    | r | Rename it. |
    | p | Pin or unpin it. |
    | c | Duplicate it. |
    | d, delete | Delete it (asks first; u undoes). |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "act('rename')", "Rename", tooltip="Rename this chat.", id="list.rename"),
        Binding("p", "act('pin')", "Pin", tooltip="Pin or unpin this chat.", id="list.pin"),
        Binding(
            "c", "act('duplicate')", "Duplicate", tooltip="Copy this chat.", id="list.duplicate"
        ),
        Binding(
            "d,delete",
            "act('delete')",
            "Delete",
            tooltip="Delete this chat (you are asked first, and u undoes).",
            id="list.delete",
        ),
        Binding(
            "u",
            "act('undelete')",
            "Undo",
            tooltip="Bring back the chat just deleted.",
            id="list.undo",
        ),
        Binding("slash", "filter", "Filter", tooltip="Filter chats by title.", id="list.filter"),
    ]

    def action_act(self, kind: str) -> None:
        option = self.highlighted_option
        target = option.id if option is not None else None
        if target is not None or kind == "undelete":
            self.post_message(Sidebar.ActionRequested(kind, target))

    def action_filter(self) -> None:
        self.screen.query_one("#sidebar-filter", Input).focus()


ACTIONS_MARKUP = (
    "[@click=screen.list_action('rename')]rename[/] · "
    "[@click=screen.list_action('pin')]pin[/] · "
    "[@click=screen.list_action('duplicate')]copy[/] · "
    "[@click=screen.list_action('delete')]delete[/]"
)


class Sidebar(Vertical):
    """Saved conversations. Enter or a click opens one (posts :class:`Chosen`); the list's
    keys and links ask to rename, pin, duplicate, delete or undelete (:class:`ActionRequested`)."""

    @dataclass
    class Chosen(Message):
        """The user picked a conversation in the list."""

        conversation_id: str

    @dataclass
    class ActionRequested(Message):
        """The user asked to rename, pin, duplicate, delete or undelete a conversation."""

        kind: str
        conversation_id: str | None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Chats"
        self._summaries: list[ConversationSummary] = []
        self._current: str | None = None
        self._now: datetime | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        yield Input(placeholder="Filter chats… (/)", id="sidebar-filter", compact=True)
        yield ConversationList(id="conversation-list")
        yield Static("No chats yet.\nctrl+n starts one.", id="sidebar-empty", markup=False)
        yield Static(Content.from_markup(ACTIONS_MARKUP), id="sidebar-actions")

    def show(
        self, summaries: list[ConversationSummary], current_id: str | None, now: datetime
    ) -> None:
        """List ``summaries`` with ``current_id`` marked as the open one."""
        self._summaries, self._current, self._now = summaries, current_id, now
        self._redraw()

    def highlighted_id(self) -> str | None:
        option = self.query_one(ConversationList).highlighted_option
        return option.id if option is not None else None

    def _redraw(self) -> None:
        if self._now is None:
            return
        options = self.query_one(ConversationList)
        highlighted = self.highlighted_id()
        needle = self.query_one("#sidebar-filter", Input).value.strip().casefold()
        matching = [s for s in self._summaries if needle in (s.title or "new chat").casefold()]
        shown = matching[:MAX_LISTED]
        width = max(8, (self.size.width or 30) - 3)
        entries: list[Option] = []
        for group, members in grouped(shown, self._now):
            entries.append(Option(Content.styled(group, "bold $text-muted"), disabled=True))
            entries.extend(
                _option(summary, summary.id == self._current, self._now, width)
                for summary in members
            )
        if len(matching) > len(shown):
            more = f"{len(matching) - len(shown):,} older chats: type in the filter to find them"
            entries.append(Option(Content.styled(more, "italic $text-muted"), disabled=True))
        options.clear_options()
        options.add_options(entries)
        empty = self.query_one("#sidebar-empty", Static)
        empty.display = not shown
        if needle and not shown:
            empty.update(Content("No chat title matches."))
        elif not shown:
            empty.update(Content("No chats yet.\nctrl+n starts one."))
        keep = highlighted if options.has_focus else self._current
        for index, entry in enumerate(entries):
            if entry.id is not None and entry.id == keep:
                options.highlighted = index
                break

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._redraw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(ConversationList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(event.option.id))


def _option(summary: ConversationSummary, current: bool, now: datetime, width: int) -> Option:
    """One line of title (cut to ``width`` cells with an ellipsis), one of age."""
    marker = "▍" if current else " "
    pin = "📌 " if summary.pinned else ""
    title = Content(printable(pin + (summary.title or "New chat"))).truncate(width, ellipsis=True)
    age = relative_time(summary.updated_at, now)
    style = "bold $accent" if current else ""
    prompt = Content.assemble(
        (marker, "$accent"), title.stylize(style) if style else title, "\n", (f"  {age}", "dim")
    )
    return Option(prompt, id=summary.id)
