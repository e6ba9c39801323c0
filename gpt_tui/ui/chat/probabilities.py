"""ctrl+p → "Token probabilities": the probability view of the highlighted reply, or of the
last reply on the shown branch when no reply is highlighted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gpt_tui.ui.screens.logprobs import open_probabilities
from gpt_tui.ui.widgets.message_list import MessageList

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen


def show_probabilities(screen: ChatScreen) -> None:
    """Open the view for the highlighted reply, else the last one."""
    messages = screen.conversation.messages
    cursor = screen.query_one(MessageList).cursor
    chosen = next((m for m in messages if m.id == cursor and m.role == "assistant"), None)
    if chosen is None:
        chosen = next((m for m in reversed(messages) if m.role == "assistant"), None)
    open_probabilities(screen.app, chosen)
