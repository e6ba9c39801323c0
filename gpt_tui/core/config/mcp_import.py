"""Import MCP servers from a Claude-Desktop-style JSON file into config.toml.

The file holds ``{"mcpServers": {"NAME": {"command": …, "args": […], "env": {…}}}}`` (or
``"url"`` for an HTTP server). Each new server is appended to config.toml as an
``[mcp.servers.NAME]`` table: the rest of the file, comments included, stays as it was, and
a name config.toml already has is left out (reported). The file stays mode 0600 (the
``env`` values may be keys).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import tomli_w

from gpt_tui.core.config.mcp import MCP, SERVERS, ServerProblem, server_settings
from gpt_tui.core.config.mcp_settings import McpServerSettings
from gpt_tui.core.config.tools import function_name_problem
from gpt_tui.core.config.types import ConfigWriteError
from gpt_tui.core.store.fsutil import atomic_write_text

_KEYS = ("command", "args", "env", "url")


@dataclass
class McpImport:
    """What an import added to config.toml, and what it left out and why."""

    added: list[McpServerSettings] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def import_claude_servers(source: Path, config_file: Path, env: Mapping[str, str]) -> McpImport:
    """Append the servers of ``source`` to ``config_file``; raises :class:`ConfigWriteError`
    (nothing written) when either file cannot be read or the result would not be valid."""
    try:
        raw = json.loads(source.expanduser().read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigWriteError(f"Cannot read {source}: {exc}") from exc
    servers = raw.get("mcpServers") if isinstance(raw, dict) else None
    if not isinstance(servers, dict):
        raise ConfigWriteError(f'{source} has no "mcpServers" object.')
    try:
        text = config_file.read_text(encoding="utf-8") if config_file.exists() else ""
        existing = tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise ConfigWriteError(f"Cannot read {config_file} ({exc}); nothing imported.") from exc
    known = existing.get(MCP, {}).get(SERVERS, {}) if isinstance(existing.get(MCP), dict) else {}
    result = McpImport()
    tables: dict[str, dict[str, Any]] = {}
    for name, entry in cast(dict[str, object], servers).items():
        problem = function_name_problem(name)
        if name in known:
            result.skipped.append(f"{name}: config.toml already has [mcp.servers.{name}]")
            continue
        if problem is not None or not isinstance(entry, dict):
            result.skipped.append(f"{name}: {problem or 'not an object'}")
            continue
        table = {k: v for k, v in cast(dict[str, Any], entry).items() if k in _KEYS}
        try:
            settings = server_settings(name, table, env)
        except ServerProblem as bad:
            result.skipped.append(f"{name}: {bad.key or 'server'} {bad.message}")
            continue
        tables[name] = table
        result.added.append(settings)
    if not tables:
        return result
    addition = tomli_w.dumps({MCP: {SERVERS: tables}})
    joined = f"{text.rstrip()}\n\n{addition}" if text.strip() else addition
    try:
        tomllib.loads(joined)
    except ValueError as exc:  # e.g. an [mcp.servers] written as an inline table
        raise ConfigWriteError(
            f"Cannot add the servers to {config_file} without rewriting it ({exc}); add them "
            "by hand."
        ) from exc
    try:
        atomic_write_text(config_file, joined, mode=0o600)
    except OSError as exc:
        raise ConfigWriteError(f"Cannot write {config_file} ({exc}); nothing imported.") from exc
    return result
