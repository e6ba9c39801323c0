"""Function calling in the message list: a card per call a reply asks for, and the results.

Names, arguments and results come from the model or the user: they are shown literally
(``Content``, never markup).
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.text import printable
from gpt_tui.core.domain.tools import ToolCall
from gpt_tui.ui.widgets.chat_view import UserMessageView

FOLD_LINES = 12
"""A result longer than this shows its first lines; the whole text is kept and sent."""

DEFAULT_CSS = """
ToolCallCard {
    height: auto;
    margin: 1 0 0 0;
    padding: 0 1;
    border: round $warning 60%;
    border-title-color: $warning;
    border-subtitle-color: $text-muted;
}
ToolCallCard.-malformed {
    border: round $error;
}
ToolResultView {
    border: round $success 60%;
    border-title-color: $success;
}
"""


class ToolCallCard(Static):
    """One function call: its name (title), id (subtitle) and arguments, pretty-printed;
    arguments that are not valid JSON are shown raw under a warning."""

    DEFAULT_CSS = DEFAULT_CSS

    def __init__(self, call: ToolCall, position: int, total: int) -> None:
        _value, problem = call.parsed_arguments()
        text = call.pretty_arguments() or "(no arguments)"
        if problem is not None:
            text = f"⚠ {problem}; shown as sent:\n{text}"
        super().__init__(Content(printable(text)), classes="tool-call", markup=False)
        which = f" · call {position} of {total}" if total > 1 else ""
        self.border_title = Content(printable(f"⚙ {call.name}{which}"))
        self.border_subtitle = Content(printable(call.id))
        self.call_id = call.id
        self.set_class(problem is not None, "-malformed")


def tool_call_cards(message: Message) -> list[ToolCallCard]:
    """The cards of a reply's calls, in order."""
    total = len(message.tool_calls)
    return [ToolCallCard(call, i, total) for i, call in enumerate(message.tool_calls, 1)]


def folded(text: str, lines: int = FOLD_LINES) -> str:
    """``text``, or its first ``lines`` lines and how many more there are."""
    parts = text.split("\n")
    if len(parts) <= lines:
        return text
    return "\n".join(parts[:lines]) + f"\n… {len(parts) - lines:,} more lines (all sent)"


class ToolResultView(UserMessageView):
    """A call's result as it was sent back (long ones folded on screen)."""

    DEFAULT_CSS = DEFAULT_CSS

    def __init__(self, message: Message, name: str | None = None) -> None:
        super().__init__(message)
        self.update(Content(printable(folded(message.content))))
        self.add_class("tool-result")
        label = f"result of {name}" if name else "tool result"
        self.border_title = Content(printable(f"{label} · {message.tool_call_id or '?'}"))
