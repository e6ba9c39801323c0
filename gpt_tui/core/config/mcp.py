"""``[mcp.servers.NAME]``: MCP servers whose tools the model may call (with the user's
approval).

::

    [mcp.servers.time]
    command = "mcp-server-time"         # stdio; or url = "http://127.0.0.1:8000/mcp"
    args = ["--local-timezone", "UTC"]
    env = { TZ = "UTC" }                # the server's environment (plus PATH); ${VAR} is
                                        # replaced by the variable from gpt-tui's environment
    auto_approve = ["get_current_time"] # tools that run without asking
    timeout = 30                        # seconds for each call (and to start, at least 60)

A server gets no other variable from gpt-tui's environment (API keys stay out of it).
Each mistake is reported on its line and that server left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import cast

from gpt_tui.core.config.checks import BadValueError, Checker, real, url
from gpt_tui.core.config.mcp_settings import McpServerSettings
from gpt_tui.core.config.tools import function_name_problem
from gpt_tui.core.params.error import describe_type

MCP = "mcp"
SERVERS = "servers"
SERVER_SECTION = "mcp.servers.NAME"
SERVER_KEYS: tuple[str, ...] = ("command", "args", "env", "url", "auto_approve", "timeout")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def read_mcp_servers(
    check: Checker, data: Mapping[str, object], env: Mapping[str, str]
) -> Mapping[str, McpServerSettings]:
    """The valid ``[mcp.servers.NAME]`` tables by name; ``env`` fills ``${VAR}``."""
    mcp = check.table(data, MCP)
    servers: dict[str, McpServerSettings] = {}
    for name, table in check.named_tables(mcp, SERVERS, "time").items():
        where = (MCP, SERVERS, name)
        problem = function_name_problem(name)
        if problem is not None:
            check.report(
                where, problem.replace("a tool's", "a server's").replace("tools.", "mcp.servers.")
            )
            continue
        check.unknown_keys(table, where, section=SERVER_SECTION)
        try:
            servers[name] = server_settings(name, table, env)
        except ServerProblem as bad:
            check.report((*where, bad.key) if bad.key else where, bad.message)
            continue
        timeout = check.value(
            table, (*where, "timeout"), real("a number of seconds > 0", lambda v: v > 0)
        )
        if timeout is not None:
            servers[name] = _with_timeout(servers[name], timeout)
    return MappingProxyType(servers)


class ServerProblem(Exception):
    """What is wrong with one server's table: the key ('' for the table) and why."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _strings(table: Mapping[str, object], key: str) -> tuple[str, ...]:
    raw = table.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise ServerProblem(key, f"must be a list of strings (got {describe_type(raw)})")
    return tuple(cast(list[str], raw))


def server_settings(
    name: str, table: Mapping[str, object], env: Mapping[str, str]
) -> McpServerSettings:
    """One server's settings (``timeout`` aside), or :class:`ServerProblem`."""
    command = table.get("command")
    address = table.get("url")
    if command is None and address is None:
        raise ServerProblem("", 'needs command = "…" (stdio) or url = "http…" (HTTP)')
    if command is not None and address is not None:
        raise ServerProblem("url", 'takes command = "…" (stdio) or url = "http…" (HTTP), not both')
    if command is not None and (not isinstance(command, str) or not command.strip()):
        raise ServerProblem(
            "command", f"must be a program name or path (got {describe_type(command)})"
        )
    checked_url: str | None = None
    if address is not None:
        try:
            checked_url = url(address)
        except BadValueError as exc:
            raise ServerProblem("url", str(exc)) from None
    raw_env = table.get("env", {})
    if not isinstance(raw_env, dict) or not all(isinstance(v, str) for v in raw_env.values()):
        raise ServerProblem("env", f"must be a table of strings (got {describe_type(raw_env)})")
    server_env: dict[str, str] = {}
    for key, value in cast(dict[str, str], raw_env).items():
        missing = [v for v in _VARIABLE.findall(value) if v not in env]
        if missing:
            raise ServerProblem("env", f"{key} uses ${{{missing[0]}}}, which is not set")
        server_env[key] = _VARIABLE.sub(lambda m: env[m.group(1)], value)
    return McpServerSettings(
        name=name,
        command=command.strip() if isinstance(command, str) else None,
        args=_strings(table, "args"),
        env=MappingProxyType(server_env),
        url=checked_url,
        auto_approve=frozenset(_strings(table, "auto_approve")),
    )


def _with_timeout(server: McpServerSettings, timeout: float) -> McpServerSettings:
    from dataclasses import replace

    return replace(server, timeout=timeout)
