"""MCP servers through the official ``mcp`` SDK: started on first need, their tools offered
to the model, their calls run when the user approves them.

Each server runs in a task of its own that holds the SDK's transport and session (they
must be entered and left in one task) until :meth:`McpServers.aclose`. A stdio server
gets only its ``env`` table and the SDK's minimal safe set (PATH, HOME, USER, SHELL,
TERM, LOGNAME): never gpt-tui's environment, so API keys stay out of it. Its stderr goes
to a temporary file whose tail is shown when it fails to start or a call fails.

The SDK is imported when the first server starts, never at launch.

A server's tools are offered under the function name ``SERVER__TOOL`` (OpenAI's names
allow letters, digits, ``_`` and ``-`` only); :meth:`McpServers.owner` maps a call back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal, TextIO, cast

from gpt_tui.core.config.mcp_settings import McpServerSettings
from gpt_tui.core.domain.tools import MCP_PREFIX, ToolCall, ToolDefinition

log = logging.getLogger(__name__)

State = Literal["not started", "starting", "ready", "failed"]
START_TIMEOUT = 60.0
"""Seconds a server may take to start at least (a Python or npx server on a busy machine
takes several); a larger ``timeout`` in its table allows more."""
STDERR_TAIL = 800
"""Characters of a server's stderr shown with a failure."""
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def function_name(server: str, tool: str) -> str:
    """The name a server's tool is offered under."""
    return _UNSAFE.sub("_", f"{server}__{tool}")[:64]


@dataclass(frozen=True, slots=True)
class McpTool:
    """One tool of a server, as offered to the model."""

    server: str
    name: str
    definition: ToolDefinition


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """What the user sees of one server: its state, tools, and why it failed."""

    name: str
    label: str
    state: State
    tools: tuple[str, ...] = ()
    error: str | None = None
    stderr_tail: str = ""


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """A call's result as text for the model; ``is_error`` when it failed."""

    text: str
    is_error: bool = False


@dataclass
class _Server:
    settings: McpServerSettings
    state: State = "not started"
    tools: dict[str, McpTool] = field(default_factory=dict)
    """By function name."""
    error: str | None = None
    session: Any = None
    task: asyncio.Task[None] | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    stderr: IO[str] | None = None

    def stderr_tail(self) -> str:
        if self.stderr is None:
            return ""
        with contextlib.suppress(OSError, ValueError):
            self.stderr.flush()
            self.stderr.seek(0)
            return self.stderr.read()[-STDERR_TAIL:].strip()
        return ""


class McpServers:
    """The configured MCP servers: a :class:`~gpt_tui.core.domain.tools.ToolSource`."""

    def __init__(self, servers: Mapping[str, McpServerSettings]) -> None:
        self._servers = {name: _Server(settings) for name, settings in servers.items()}

    def add(self, settings: McpServerSettings) -> None:
        """Offer one more server (imported while the app runs); not started yet."""
        if settings.name not in self._servers:
            self._servers[settings.name] = _Server(settings)

    def names(self) -> tuple[str, ...]:
        return tuple(self._servers)

    def status(self) -> list[ServerStatus]:
        """Every server's state, in config order."""
        return [
            ServerStatus(
                name,
                server.settings.label,
                server.state,
                tuple(tool.name for tool in server.tools.values()),
                server.error,
                server.stderr_tail() if server.state == "failed" else "",
            )
            for name, server in self._servers.items()
        ]

    # ToolSource ------------------------------------------------------------------------

    def _select(self, selector: str) -> tuple[_Server | None, str | None]:
        server_name, _, tool = selector.removeprefix(MCP_PREFIX).partition("/")
        return self._servers.get(server_name), tool or None

    def definitions(self, selector: str) -> list[ToolDefinition] | None:
        server, tool = self._select(selector)
        if server is None or server.state != "ready":
            return None
        tools = [t for t in server.tools.values() if tool is None or t.name == tool]
        return [t.definition for t in tools] or None

    def problem(self, selector: str) -> str | None:
        """Why ``selector`` selects nothing; None also while its server is yet to start."""
        server, tool = self._select(selector)
        name = selector.removeprefix(MCP_PREFIX).partition("/")[0]
        if server is None:
            return f"No MCP server is named {name!r}: add [mcp.servers.{name}] to config.toml."
        if server.state == "failed":
            tail = server.stderr_tail()
            more = f"\n{tail}" if tail else ""
            return f"The MCP server {name!r} is not running: {server.error}{more}"
        if server.state != "ready":
            return None  # started before the request goes out (see prepare)
        if tool is not None and self.definitions(selector) is None:
            offered = ", ".join(t.name for t in server.tools.values()) or "none"
            return f"The MCP server {name!r} has no tool {tool!r} (it has: {offered})."
        return None

    async def prepare(self, selectors: Sequence[str]) -> None:
        names = {s.removeprefix(MCP_PREFIX).partition("/")[0] for s in selectors}
        await asyncio.gather(*(self.ensure(name) for name in names if name in self._servers))

    # Servers ---------------------------------------------------------------------------

    def start_for(self, selectors: Sequence[str]) -> None:
        """Start the servers that ``mcp:…`` names among ``selectors`` need, in the
        background (others are ignored)."""
        for selector in selectors:
            server, _tool = self._select(selector)
            if selector.startswith(MCP_PREFIX) and server is not None:
                self.start(server.settings.name)

    def start(self, name: str) -> None:
        """Start ``name`` in the background if it is not running (a failed one again)."""
        server = self._servers[name]
        if server.state in ("starting", "ready"):
            return
        server.state, server.error = "starting", None
        server.ready, server.stop = asyncio.Event(), asyncio.Event()
        server.task = asyncio.get_running_loop().create_task(
            self._serve(server), name=f"mcp-{name}"
        )

    async def ensure(self, name: str) -> ServerStatus:
        """Start ``name`` if needed and wait until it is ready or failed (at most
        :data:`START_TIMEOUT` or its timeout, whichever is longer)."""
        server = self._servers[name]
        self.start(name)
        limit = max(START_TIMEOUT, server.settings.timeout)
        try:
            await asyncio.wait_for(server.ready.wait(), limit)
        except TimeoutError:
            self._fail(server, f"did not start within {limit:g} s")
            if server.task is not None:
                server.task.cancel()
        return next(s for s in self.status() if s.name == name)

    def _fail(self, server: _Server, error: str) -> None:
        server.state, server.error, server.session = "failed", error, None
        server.ready.set()
        log.warning("MCP server %s failed: %s", server.settings.name, error)

    async def _serve(self, server: _Server) -> None:
        """The server's task: connect, list its tools, and hold the session until stopped."""
        settings = server.settings
        try:
            from mcp import ClientSession

            server.stderr = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            async with contextlib.AsyncExitStack() as stack:
                read, write = await stack.enter_async_context(self._transport(server))
                session = await stack.enter_async_context(
                    ClientSession(read, write, read_timeout_seconds=settings.timeout)
                )
                await session.initialize()
                listed = await session.list_tools()
                server.tools = {}
                for tool in listed.tools:
                    name = function_name(settings.name, tool.name)
                    definition = ToolDefinition(name, tool.description or "", tool.input_schema)
                    server.tools[name] = McpTool(settings.name, tool.name, definition)
                server.session, server.state = session, "ready"
                server.ready.set()
                await server.stop.wait()
        except asyncio.CancelledError:
            if server.state != "failed":
                self._fail(server, "stopped")
            raise
        except BaseException as exc:
            self._fail(server, _describe(exc))
        else:
            server.state, server.session = "not started", None
            server.ready.set()

    def _transport(self, server: _Server) -> contextlib.AbstractAsyncContextManager[Any]:
        settings = server.settings
        if settings.url is not None:
            from mcp.client.streamable_http import streamable_http_client

            return streamable_http_client(settings.url)
        from mcp import StdioServerParameters, stdio_client

        params = StdioServerParameters(
            command=settings.command or "", args=list(settings.args), env=dict(settings.env)
        )
        errlog = server.stderr or tempfile.TemporaryFile("w+")  # noqa: SIM115
        return stdio_client(params, errlog=cast(TextIO, errlog))

    # Calls -----------------------------------------------------------------------------

    def owner(self, function: str) -> McpTool | None:
        """The server tool offered under ``function``, if any."""
        for server in self._servers.values():
            if function in server.tools:
                return server.tools[function]
        return None

    def auto_approved(self, function: str) -> bool:
        """Whether config's ``auto_approve`` lets this tool run without asking."""
        tool = self.owner(function)
        return tool is not None and tool.name in self._servers[tool.server].settings.auto_approve

    async def call(self, call: ToolCall) -> ToolOutcome:
        """Run ``call`` on its server; a failure (bad arguments, timeout, crash) comes back
        as an error outcome the model and the user can read, never as an exception."""
        tool = self.owner(call.name)
        if tool is None:
            return ToolOutcome(f"No MCP tool is named {call.name!r}.", is_error=True)
        server = self._servers[tool.server]
        arguments, problem = call.parsed_arguments()
        if problem is not None or not isinstance(arguments, dict):
            return ToolOutcome(
                f"Not run: {problem or 'the arguments must be a JSON object'}.", True
            )
        if server.state != "ready":
            await self.ensure(tool.server)
        session = server.session
        if session is None:
            return ToolOutcome(
                f"The MCP server {tool.server!r} is not running: {server.error}", True
            )
        try:
            result = await asyncio.wait_for(
                session.call_tool(tool.name, arguments), server.settings.timeout
            )
        except TimeoutError:
            return ToolOutcome(
                f"The tool {tool.name} did not answer within {server.settings.timeout:g} s.", True
            )
        except Exception as exc:
            tail = server.stderr_tail()
            more = f"\n{tail}" if tail else ""
            return ToolOutcome(f"The tool {tool.name} failed: {_describe(exc)}{more}", True)
        return ToolOutcome(_result_text(result), bool(getattr(result, "is_error", False)))

    async def aclose(self) -> None:
        """Stop every server (their processes end with their sessions)."""
        tasks = []
        for server in self._servers.values():
            server.stop.set()
            if server.task is not None and not server.task.done():
                tasks.append(server.task)
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=5)
            for task in pending:
                task.cancel()


def _result_text(result: Any) -> str:
    """A call's content as the text sent back: text blocks as they are, other blocks and
    structured content as JSON."""
    parts: list[str] = []
    for block in getattr(result, "content", None) or []:
        text = getattr(block, "text", None)
        if isinstance(text, str):
            parts.append(text)
        else:
            dump = block.model_dump(mode="json", exclude_none=True)
            parts.append(json.dumps(dump, ensure_ascii=False))
    if not parts and getattr(result, "structured_content", None) is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)


def _describe(exc: BaseException) -> str:
    """The innermost cause of ``exc`` in one line (task groups wrap the real error)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
