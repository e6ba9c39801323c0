"""The chat screen's side of function calling: asking the user for each call's result.

When the shown branch ends in a reply whose calls wait for results, the prompt asks for
them in turn ("result for get_weather, call 1 of 2"); Enter saves the text as that call's
role ``tool`` message, and once every call has one the follow-up request goes out by
itself (a ``retry`` turn, so ctrl+r sends it again if it fails). Esc, or opening another
chat, leaves the turn waiting: reopening the conversation asks again.

Also "Load tools from file…": an OpenAI ``tools`` JSON array added to the tools the
``tools`` parameter can name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from textual.content import Content

from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.schema import SchemaError
from gpt_tui.core.domain.text import printable
from gpt_tui.core.domain.tools import definitions_from_openai
from gpt_tui.core.service.events import TurnPlan, TurnRefused
from gpt_tui.ui.screens.dialogs import AskText
from gpt_tui.ui.widgets.message_list import MessageList
from gpt_tui.ui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen


class ToolResults:
    """Routes the prompt to the waiting tool call, and sends the follow-up when all are in."""

    def __init__(self, screen: ChatScreen) -> None:
        self._screen = screen
        self._chat = screen.services.chat

    def question(self) -> str | None:
        """What the prompt asks now ("result for get_weather, call 1 of 2"), or None."""
        conversation = self._screen.conversation
        if self._chat.is_streaming(conversation.id):
            return None
        pending = self._chat.pending_tool_calls(conversation)
        if not pending:
            return None
        reply = conversation.messages[-1 - self._answered()]
        total = len(reply.tool_calls)
        number = total - len(pending) + 1
        return f"result for {pending[0].name}, call {number} of {total}"

    def _answered(self) -> int:
        """How many results follow the reply that asked for the calls."""
        count = 0
        for message in reversed(self._screen.conversation.messages):
            if message.role != "tool":
                break
            count += 1
        return count

    def show(self) -> str:
        """Label the prompt with the question (or clear it); returns the status line's text."""
        question = self.question()
        prompt = self._screen.query_one(PromptInput)
        prompt.border_title = None if question is None else Content(printable(question))
        prompt.set_class(question is not None, "-tool-result")
        if question is None:
            return ""
        return f"The model called a tool: type the {question}, Enter sends it"

    def take(self, text: str) -> bool:
        """Save ``text`` as the waiting call's result; False when no call waits (the text
        is then an ordinary prompt)."""
        screen = self._screen
        conversation = screen.conversation
        if screen.message_actions.editing is not None:
            return False
        pending = self._chat.pending_tool_calls(conversation)
        if not pending:
            return False
        try:
            message = self._chat.add_tool_result(conversation, pending[0].id, text)
        except TurnRefused as exc:
            screen.notify(str(exc), title="Not sent", severity="warning")
            return True
        screen.query_one(PromptInput).clear()
        screen.run_worker(self._after_result(message), group="tool-results")
        return True

    async def _after_result(self, message: Message) -> None:
        screen = self._screen
        await screen.query_one(MessageList).add_message(message)
        if not self._chat.pending_tool_calls(screen.conversation):
            screen.turns.start(TurnPlan.retry())
        screen.turns.show_status()

    def ask_load_file(self) -> None:
        """Ask for the path of a tools JSON file, then load it."""
        self._screen.app.push_screen(
            AskText("Path of the tools JSON file (an OpenAI tools array):", ""), self._chosen
        )

    def _chosen(self, path: str | None) -> None:
        if path and path.strip():
            self.load_file(Path(path.strip()))

    def load_file(self, path: Path) -> None:
        """Add the tools of an OpenAI ``tools`` JSON file (a later name replaces an
        earlier one) and say which; a bad file is reported, nothing is added."""
        screen = self._screen
        try:
            raw = json.loads(path.expanduser().read_text(encoding="utf-8"))
            definitions = definitions_from_openai(raw)
        except (OSError, ValueError) as exc:
            where = f"{exc.where}: {exc.problem}" if isinstance(exc, SchemaError) else str(exc)
            screen.notify(where, title=f"Could not load {path.name}", severity="error")
            return
        names = screen.services.connections.planner.tools.add(definitions)
        listed = ", ".join(names) if names else "none"
        screen.notify(
            f"Loaded {len(names)} tool(s): {listed}. Name them in the 'tools' parameter.",
            title="Tools",
        )
        screen.refresh_estimate()
