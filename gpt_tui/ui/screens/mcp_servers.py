"""The MCP servers of config.toml: each one's state, its tools, and why it failed.

Opened from the command palette ("MCP servers: state and tools"); ``s`` starts the servers
that are not running (a failed one is tried again), ``r`` reads their state again.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from gpt_tui.core.domain.text import printable
from gpt_tui.core.service.mcp import McpServers, ServerStatus

EMPTY = (
    "No MCP server is configured. Add one to config.toml, e.g.\n\n"
    '[mcp.servers.time]\ncommand = "mcp-server-time"\n\n'
    "and name its tools in the 'tools' parameter: mcp:time (all) or mcp:time/get_current_time."
)


def describe(status: ServerStatus) -> str:
    """One server in a few lines: name, state, how it runs, its tools or its failure."""
    lines = [f"● {status.name} — {status.state}", f"  {status.label}"]
    if status.tools:
        lines.append(f"  tools: {', '.join(status.tools)} (use mcp:{status.name} in 'tools')")
    if status.error:
        lines.append(f"  error: {status.error}")
    if status.stderr_tail:
        lines.extend(f"  │ {line}" for line in status.stderr_tail.splitlines())
    return "\n".join(lines)


class McpServersScreen(ModalScreen[None]):
    """Every configured MCP server's state and tools.

    | key | what it does |
    |---|---|
    | s | start the servers that are not running |
    | r | read the state again |
    | Esc | close |
    """

    DEFAULT_CSS = """
    McpServersScreen { align: center middle; }
    #mcp-box {
        width: 90%; max-width: 120; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #mcp-list { height: auto; max-height: 40; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Back to the chat.", id="mcp.close"),
        Binding("s", "start", "Start", tooltip="Start the servers not running.", id="mcp.start"),
        Binding(
            "r", "reload", "Refresh", tooltip="Read the servers' state again.", id="mcp.refresh"
        ),
    ]

    def __init__(self, servers: McpServers) -> None:
        super().__init__(classes="dialog")
        self._servers = servers

    def compose(self) -> ComposeResult:
        with Vertical(id="mcp-box"):
            yield Static(
                Content("MCP servers · s starts them · r refreshes · Esc closes"),
                id="mcp-title",
                markup=False,
            )
            with VerticalScroll(id="mcp-list"):
                yield Static("", id="mcp-status", markup=False)

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        statuses = self._servers.status()
        text = "\n\n".join(describe(s) for s in statuses) if statuses else EMPTY
        self.query_one("#mcp-status", Static).update(Content(printable(text)))

    def action_start(self) -> None:
        self.run_worker(self._start_all(), group="mcp-start", exit_on_error=False)

    async def _start_all(self) -> None:
        names = [s.name for s in self._servers.status() if s.state in ("not started", "failed")]
        for name in names:
            self._servers.start(name)
        self.action_reload()
        for name in names:
            await self._servers.ensure(name)
            self.action_reload()

    def action_close(self) -> None:
        self.dismiss(None)
