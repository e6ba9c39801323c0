"""The list of saved conversations, most recently active first."""

from __future__ import annotations

from datetime import datetime

from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from gpt_tui.core.models import ConversationSummary
from gpt_tui.core.text import printable
from gpt_tui.ui.messages import ConversationChosen


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


class ConversationList(OptionList):
    """Conversations as options whose ids are the conversation ids."""


class Sidebar(Vertical):
    """Saved conversations. Enter or a click opens one (posts :class:`ConversationChosen`)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Chats"
        self._current: str | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        yield ConversationList(id="conversation-list")
        yield Static("No chats yet.\nctrl+n starts one.", id="sidebar-empty", markup=False)

    def show(
        self, summaries: list[ConversationSummary], current_id: str | None, now: datetime
    ) -> None:
        """List ``summaries`` with ``current_id`` marked as the open one."""
        self._current = current_id
        options = self.query_one(ConversationList)
        highlighted = options.highlighted_option.id if options.highlighted_option else None
        options.clear_options()
        width = max(8, (self.size.width or 30) - 3)
        options.add_options(
            [_option(summary, summary.id == current_id, now, width) for summary in summaries]
        )
        self.query_one("#sidebar-empty").display = not summaries
        keep = highlighted if options.has_focus else current_id
        ids = [summary.id for summary in summaries]
        if keep in ids:
            options.highlighted = ids.index(keep)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(ConversationChosen(event.option.id))


def _option(summary: ConversationSummary, current: bool, now: datetime, width: int) -> Option:
    """One line of title (cut to ``width`` cells with an ellipsis), one of age."""
    marker = "▍" if current else " "
    title = Content(printable(summary.title or "New chat")).truncate(width, ellipsis=True)
    age = relative_time(summary.updated_at, now)
    style = "bold $accent" if current else ""
    prompt = Content.assemble(
        (marker, "$accent"), title.stylize(style) if style else title, "\n", (f"  {age}", "dim")
    )
    return Option(prompt, id=summary.id)
