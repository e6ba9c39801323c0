"""``[tools.NAME]`` tables: functions the model may call, defined in config.toml.

::

    [tools.get_weather]
    description = "Current weather in a city"
    parameters = { type = "object", required = ["city"], properties = {
        city = { type = "string" } } }

``parameters`` is the function's JSON Schema (default: an object without properties).
Which tools a conversation offers is its ``tools`` parameter (``[defaults] tools = […]``).
Each mistake is reported on its line and the tool left out; the others still load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, cast

from gpt_tui.core.config.checks import Checker
from gpt_tui.core.domain.tools import ToolDefinition
from gpt_tui.core.params.error import describe_type

TOOLS = "tools"
TOOL_SECTION = "tools.NAME"
FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What OpenAI accepts as a function's name."""


def function_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a function's name, or None."""
    if FUNCTION_NAME.fullmatch(name):
        return None
    return "a tool's name is 1 to 64 letters, digits, _ or - (e.g. [tools.get_weather])"


def read_tools(check: Checker, data: Mapping[str, object]) -> Mapping[str, ToolDefinition]:
    """The valid ``[tools.NAME]`` tables, by name; each mistake reported on its line."""
    tools: dict[str, ToolDefinition] = {}
    for name, table in check.named_tables(data, TOOLS, "get_weather").items():
        where = (TOOLS, name)
        problem = function_name_problem(name)
        if problem is not None:
            check.report(where, problem)
            continue
        check.unknown_keys(table, where, section=TOOL_SECTION)
        description = table.get("description", "")
        if not isinstance(description, str):
            check.report(
                (*where, "description"), f"must be text (got {describe_type(description)})"
            )
            continue
        parameters = table.get("parameters", {})
        if not isinstance(parameters, dict):
            message = (
                'must be a JSON Schema table, e.g. parameters = { type = "object", '
                f"properties = {{ … }} }} (got {describe_type(parameters)})"
            )
            check.report((*where, "parameters"), message)
            continue
        schema = cast(dict[str, Any], parameters)
        kind = schema.get("type", "object")
        if kind != "object":
            check.report(
                (*where, "parameters", "type"),
                f'a function\'s parameters must have type = "object" (got {kind!r})',
            )
            continue
        tools[name] = ToolDefinition(name, description, MappingProxyType(schema))
    return MappingProxyType(tools)
