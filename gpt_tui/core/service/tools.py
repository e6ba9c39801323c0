"""The tools a model may be offered, beyond config.toml: a loaded OpenAI ``tools`` file,
and MCP servers imported from a Claude-Desktop-style JSON file. The file I/O is here, so
the UI only asks and shows the answer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from gpt_tui.core.config.mcp_import import McpImport, import_claude_servers
from gpt_tui.core.domain.schema import SchemaError
from gpt_tui.core.domain.tools import ToolCatalog, definitions_from_openai
from gpt_tui.core.service.mcp import McpServers


class ToolsFileError(Exception):
    """A tools file could not be read or is not an OpenAI ``tools`` array (the message
    says which entry is wrong)."""


class ToolsService:
    """Adds tools for this session (a file) or for good (servers written to config.toml)."""

    def __init__(self, catalog: ToolCatalog, mcp: McpServers) -> None:
        self._catalog = catalog
        self._mcp = mcp

    def load_file(self, path: Path) -> list[str]:
        """Add the functions of an OpenAI ``tools`` JSON file (a later definition of a
        name replaces the earlier one); returns their names."""
        try:
            raw = json.loads(path.expanduser().read_text(encoding="utf-8"))
            definitions = definitions_from_openai(raw)
        except SchemaError as exc:
            raise ToolsFileError(f"{exc.where}: {exc.problem}") from None
        except (OSError, ValueError) as exc:
            raise ToolsFileError(str(exc)) from None
        return self._catalog.add(definitions)

    def import_claude(self, source: Path, config_file: Path, env: Mapping[str, str]) -> McpImport:
        """Append the ``mcpServers`` of ``source`` to ``config_file`` and offer them now.

        Raises :class:`~gpt_tui.core.config.types.ConfigWriteError` (nothing written)."""
        result = import_claude_servers(source, config_file, env)
        for settings in result.added:
            self._mcp.add(settings)
        return result
