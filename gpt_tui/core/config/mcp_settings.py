"""One ``[mcp.servers.NAME]`` table as read (see :mod:`gpt_tui.core.config.mcp`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

DEFAULT_TIMEOUT = 30.0
"""Seconds for each call (starting may take longer: see ``service.mcp.START_TIMEOUT``)."""


@dataclass(frozen=True, slots=True)
class McpServerSettings:
    """How to reach one MCP server: a command (stdio) or a URL (streamable HTTP)."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """The server's whole environment besides PATH (values may be secrets: never shown)."""
    url: str | None = None
    auto_approve: frozenset[str] = frozenset()
    timeout: float = DEFAULT_TIMEOUT

    def __repr__(self) -> str:
        where = self.url or " ".join((self.command or "", *self.args))
        return f"McpServerSettings(name={self.name!r}, {where!r}, env={sorted(self.env)})"

    @property
    def label(self) -> str:
        """How the server is named to the user: its command or URL."""
        return self.url or " ".join((self.command or "", *self.args)).strip()
