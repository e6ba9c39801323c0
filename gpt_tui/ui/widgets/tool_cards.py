"""Function calling in the message list: a card per call a reply asks for, and the results.

Names, arguments and results come from the model or the user: they are shown literally
(``Content``, never markup).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message as TextualMessage
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


class ToolApproval(Static, can_focus=True):
    """Asks whether to run an MCP tool call: shows the tool, its server and the arguments,
    and takes the focus so its keys work at once.

    | Key | Action |
    | :- | :- |
    | y | Run this call once. |
    | a | Run it, and this tool again without asking in this chat. |
    | n | Refuse: the model is told the user declined. |
    """

    DEFAULT_CSS = """
    ToolApproval {
        height: auto;
        max-height: 16;
        margin: 0 1;
        padding: 0 1;
        border: round $warning;
        border-title-color: $warning;
        border-subtitle-color: $text-muted;
        display: none;
    }
    ToolApproval:focus {
        border: round $accent;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "y",
            "decide('once')",
            "Run once",
            tooltip="Run this tool call once.",
            id="tools.approve",
        ),
        Binding(
            "a",
            "decide('always')",
            "Always",
            id="tools.always",
            tooltip="Run it, and this tool without asking for the rest of this chat.",
        ),
        Binding(
            "n",
            "decide('refuse')",
            "Refuse",
            id="tools.refuse",
            tooltip="Do not run it; the model is told you declined.",
        ),
    ]

    @dataclass
    class Decided(TextualMessage):
        """The user answered the approval for ``call_id``."""

        call_id: str
        choice: Literal["once", "always", "refuse"]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.call_id: str | None = None

    def ask(self, call: ToolCall, server: str, label: str) -> None:
        """Show ``call`` (a tool of ``server``, run as ``label``) and take the focus."""
        self.call_id = call.id
        _value, problem = call.parsed_arguments()
        args = call.pretty_arguments() or "(no arguments)"
        warning = f"⚠ {problem}\n" if problem else ""
        self.update(
            Content(printable(f"{warning}{args}\n\ny run once · a always in this chat · n refuse"))
        )
        self.border_title = Content(printable(f"Run {call.name} on the MCP server {server}?"))
        self.border_subtitle = Content(printable(label))
        self.display = True
        self.focus()

    def hide(self) -> None:
        self.call_id = None
        self.display = False

    def action_decide(self, choice: Literal["once", "always", "refuse"]) -> None:
        if self.call_id is not None:
            self.post_message(self.Decided(self.call_id, choice))
