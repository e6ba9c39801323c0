"""The chat screen's side of function calling: asking the user for each call's result.

When the shown branch ends in a reply whose calls wait for results, the prompt asks for
them in turn ("result for get_weather, call 1 of 2"); Enter saves the text as that call's
role ``tool`` message, and once every call has one the follow-up request goes out by
itself (a ``retry`` turn, so ctrl+r sends it again if it fails). Esc, or opening another
chat, leaves the turn waiting: reopening the conversation asks again.

A call of an MCP tool is not typed by the user: the approval card asks whether to run it
(``y`` once, ``a`` always in this chat, ``n`` refuse: the model is told the user declined),
unless ``auto_approve`` names the tool; its result is sent back the same way. At most
``max_tool_rounds`` follow-ups go out by themselves after one prompt; Esc stops a
running call (the card asks again).

Also "Load tools from file…": an OpenAI ``tools`` JSON array added to the tools the
``tools`` parameter can name.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.content import Content
from textual.worker import Worker

from gpt_tui.core.config.types import ConfigWriteError
from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.text import printable
from gpt_tui.core.domain.tools import ToolCall
from gpt_tui.core.params.spec import DEFAULT_TOOL_ROUNDS
from gpt_tui.core.service.events import TurnPlan, TurnRefused
from gpt_tui.core.service.tools import ToolsFileError
from gpt_tui.ui.keymap import prompt_placeholder
from gpt_tui.ui.screens.dialogs import AskText
from gpt_tui.ui.widgets.message_list import MessageList
from gpt_tui.ui.widgets.prompt_input import PromptInput
from gpt_tui.ui.widgets.tool_cards import ToolApproval

if TYPE_CHECKING:
    from gpt_tui.ui.screens.chat import ChatScreen

DECLINED = "The user declined to run this tool."
"""The result the model gets for a call the user refused."""


class ToolResults:
    """Routes the prompt to the waiting tool call, and sends the follow-up when all are in."""

    def __init__(self, screen: ChatScreen) -> None:
        self._screen = screen
        self._chat = screen.services.chat
        self._mcp = screen.services.mcp
        self._always: dict[str, set[str]] = {}
        """Tools the user let run without asking, by conversation id (this session)."""
        self._running: Worker[None] | None = None

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
        """Label the prompt with the question (or clear it), or ask to approve an MCP call
        (or run it); returns the status line's text."""
        mcp_call = self._waiting_mcp_call()
        approval = self._screen.query_one(ToolApproval)
        if mcp_call is None and approval.call_id is not None:
            approval.hide()
        question = None if mcp_call is not None else self.question()
        prompt = self._screen.query_one(PromptInput)
        prompt.border_title = None if question is None else Content(printable(question))
        prompt.set_class(question is not None, "-tool-result")
        prompt.placeholder = (
            prompt_placeholder(self._screen.app)
            if question is None
            else "The function's result, as text or JSON (Enter sends it to the model)…"
        )
        if mcp_call is not None:
            return self._handle_mcp(mcp_call)
        if question is None:
            return ""
        return f"The model called a tool: type the {question}, Enter sends it"

    def _waiting_mcp_call(self) -> ToolCall | None:
        conversation = self._screen.conversation
        if self._chat.is_streaming(conversation.id):
            return None
        pending = self._chat.pending_tool_calls(conversation)
        if pending and self._mcp.owner(pending[0].name) is not None:
            return pending[0]
        return None

    def _handle_mcp(self, call: ToolCall) -> str:
        """Run ``call`` if it may run without asking, else ask (once)."""
        if self._running is not None and self._running.is_running:
            return f"Running {call.name}… · Esc stops it"
        tool = self._mcp.owner(call.name)
        assert tool is not None
        always = self._always.get(self._screen.conversation.id, set())
        if self._mcp.auto_approved(call.name) or call.name in always:
            self._run(call)
            return f"Running {call.name}… · Esc stops it"
        approval = self._screen.query_one(ToolApproval)
        if approval.call_id != call.id:
            label = next(s.label for s in self._mcp.status() if s.name == tool.server)
            approval.ask(call, tool.server, label)
        return "The model wants to run a tool: y runs it once · a always in this chat · n refuses"

    def decided(self, event: ToolApproval.Decided) -> None:
        """The user answered the approval card."""
        approval = self._screen.query_one(ToolApproval)
        call = self._waiting_mcp_call()
        approval.hide()
        self._screen.query_one(PromptInput).focus()
        if call is None or call.id != event.call_id:
            return
        if event.choice == "refuse":
            self._save_result(call, DECLINED)
            return
        if event.choice == "always":
            self._always.setdefault(self._screen.conversation.id, set()).add(call.name)
        self._run(call)

    def _run(self, call: ToolCall) -> None:
        self._running = self._screen.run_worker(
            self._call(call), group="tool-calls", exit_on_error=False
        )
        self._screen.call_later(self._screen.turns.show_status)
        self._screen.refresh_bindings()

    async def _call(self, call: ToolCall) -> None:
        """The worker: run the call on its server, then save its result."""
        outcome = await self._mcp.call(call)
        text = f"Error: {outcome.text}" if outcome.is_error else outcome.text
        self._running = None
        self._save_result(call, text)

    @property
    def running(self) -> bool:
        """Whether an MCP call runs now (Esc stops it)."""
        return self._running is not None and self._running.is_running

    def stop(self) -> bool:
        """Esc: stop the call running now (it is asked about again); False if none runs."""
        if self._running is None or not self._running.is_running:
            return False
        self._running.cancel()
        self._running = None
        self._screen.notify("The tool call was stopped; it was not answered.")
        self._screen.call_later(self._screen.turns.show_status)
        return True

    def _save_result(self, call: ToolCall, text: str) -> None:
        try:
            message = self._chat.add_tool_result(self._screen.conversation, call.id, text)
        except TurnRefused as exc:
            self._screen.notify(str(exc), title="Not saved", severity="warning")
            return
        self._screen.run_worker(self._after_result(message), group="tool-results")

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
        if self._mcp.owner(pending[0].name) is not None:
            screen.notify(
                f"Answer the question about {pending[0].name} first: y, a or n.",
                title="Not sent",
                severity="warning",
            )
            screen.query_one(ToolApproval).focus()
            return True
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
            limit = screen.conversation.params.extra.max_tool_rounds or DEFAULT_TOOL_ROUNDS
            if self._rounds() >= limit:
                screen.notify(
                    f"{limit} rounds of tool calls after one prompt (max_tool_rounds): press "
                    "ctrl+r to send the results anyway.",
                    title="Tool calls paused",
                    severity="warning",
                )
            else:
                plan = TurnPlan.retry()  # a follow-up counts against the budget like a send
                if screen.budget.may_send(plan, lambda: screen.turns.start(plan)):
                    screen.turns.start(plan)
        screen.turns.show_status()

    def _rounds(self) -> int:
        """Replies asking for tool calls since the user's last prompt."""
        rounds = 0
        for message in reversed(self._screen.conversation.messages):
            if message.role == "user":
                break
            rounds += bool(message.tool_calls)
        return rounds

    def show_servers(self) -> None:
        """The MCP servers' state and tools (a screen over the chat)."""
        from gpt_tui.ui.screens.mcp_servers import McpServersScreen

        self._screen.app.push_screen(McpServersScreen(self._mcp))

    def ask_load_file(self) -> None:
        """Ask for the path of a tools JSON file, then load it."""
        self._screen.app.push_screen(
            AskText("Path of the tools JSON file (an OpenAI tools array):", ""), self._chosen
        )

    def _chosen(self, path: str | None) -> None:
        if path and path.strip():
            self.load_file(Path(path.strip()))

    def load_file(self, path: Path) -> None:
        """Add the tools of an OpenAI ``tools`` JSON file and say which (a bad file is
        reported, nothing is added)."""
        screen = self._screen
        try:
            names = screen.services.tools.load_file(path)
        except ToolsFileError as exc:
            screen.notify(str(exc), title=f"Could not load {path.name}", severity="error")
            return
        listed = ", ".join(names) if names else "none"
        screen.notify(
            f"Loaded {len(names)} tool(s): {listed}. Name them in the 'tools' parameter.",
            title="Tools",
        )
        screen.refresh_estimate()

    def ask_import_servers(self) -> None:
        """Ask for a Claude-Desktop-style JSON file, then add its MCP servers to config.toml."""
        self._screen.app.push_screen(
            AskText('Path of the JSON file with "mcpServers" (Claude Desktop\'s config):', ""),
            self._import_chosen,
        )

    def _import_chosen(self, path: str | None) -> None:
        if not path or not path.strip():
            return
        screen = self._screen
        app = screen.gpt_app
        try:
            result = screen.services.tools.import_claude(
                Path(path.strip()), app.config_file, app.environment
            )
        except ConfigWriteError as exc:
            screen.notify(str(exc), title="Nothing imported", severity="error", timeout=10)
            return
        added = ", ".join(s.name for s in result.added) or "none"
        lines = [f"Added to config.toml: {added}. Use them as mcp:NAME in 'tools'."]
        lines.extend(f"Left out: {reason}" for reason in result.skipped)
        screen.notify(
            "\n".join(lines),
            title="MCP servers",
            severity="warning" if result.skipped else "information",
            timeout=10,
        )
