"""Function calling as plain data: the calls a reply asks for and the tools a request offers.

A :class:`ToolCall` is what an assistant reply carries when the model asks for a function
(``finish_reason: "tool_calls"``); the answer to each goes back as a role ``tool`` message
naming the call's id. A :class:`ToolDefinition` is one entry of a request's ``tools`` array
(from ``[tools.NAME]`` in config.toml or a loaded OpenAI ``tools`` JSON file).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from gpt_tui.core.domain.schema import SchemaError, as_dict, opt, req


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One function call a reply asked for; ``arguments`` is the model's JSON text as sent
    (it may be malformed: it is kept as is, and shown raw with a warning)."""

    id: str
    name: str
    arguments: str = ""

    def parsed_arguments(self) -> tuple[Any, str | None]:
        """The arguments as JSON and ``None``, or ``None`` and why they do not parse."""
        if not self.arguments.strip():
            return {}, None
        try:
            return json.loads(self.arguments), None
        except ValueError as exc:
            return None, f"the arguments are not valid JSON ({exc})"

    def pretty_arguments(self) -> str:
        """The arguments indented for reading, or the raw text when they do not parse."""
        value, problem = self.parsed_arguments()
        if problem is not None:
            return self.arguments
        return json.dumps(value, indent=2, ensure_ascii=False)

    def wire(self) -> dict[str, Any]:
        """The call as an assistant message's ``tool_calls`` entry."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}

    @classmethod
    def from_dict(cls, raw: object, where: str = "tool_call") -> ToolCall:
        data = as_dict(raw, where)
        return cls(
            id=req(data, "id", str, where),
            name=req(data, "name", str, where),
            arguments=opt(data, "arguments", str, where) or "",
        )


def tool_calls_from(raw: object, where: str) -> tuple[ToolCall, ...]:
    """The stored ``tool_calls`` of a message (absent: none)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise SchemaError(where, "expected a list")
    items = cast(list[object], raw)
    return tuple(ToolCall.from_dict(item, f"{where}[{i}]") for i, item in enumerate(items))


@dataclass(frozen=True, slots=True)
class ToolDefinition:
    """A function the model may call: its name, what it does, and a JSON Schema of its
    arguments."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        """The entry of a request's ``tools`` array."""
        function: dict[str, Any] = {"name": self.name}
        if self.description:
            function["description"] = self.description
        function["parameters"] = dict(self.parameters) or {"type": "object", "properties": {}}
        return {"type": "function", "function": function}


def definitions_from_openai(raw: object) -> list[ToolDefinition]:
    """The functions of an OpenAI ``tools`` array (or ``{"tools": [...]}``), or
    :class:`SchemaError` naming the entry that is wrong."""
    if isinstance(raw, dict) and "tools" in raw:
        raw = cast(dict[str, Any], raw)["tools"]
    if not isinstance(raw, list):
        raise SchemaError("tools", "expected a JSON array of tools")
    found: list[ToolDefinition] = []
    for i, item in enumerate(cast(list[object], raw)):
        where = f"tools[{i}]"
        data = as_dict(item, where)
        kind = opt(data, "type", str, where) or "function"
        if kind != "function":
            raise SchemaError(f"{where}.type", f"only function tools are supported (got {kind!r})")
        function = as_dict(data.get("function", data), f"{where}.function")
        here = f"{where}.function"
        parameters = function.get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            raise SchemaError(f"{here}.parameters", "expected a JSON Schema object")
        found.append(
            ToolDefinition(
                name=req(function, "name", str, here),
                description=opt(function, "description", str, here) or "",
                parameters=cast(dict[str, Any], parameters or {}),
            )
        )
    return found


MCP_PREFIX = "mcp:"
"""``tools`` names that start with this select MCP tools: ``mcp:SERVER`` or ``mcp:SERVER/TOOL``."""


class ToolSource(Protocol):
    """Tools that come from elsewhere (MCP servers), selected by ``mcp:…`` names."""

    def definitions(self, selector: str) -> list[ToolDefinition] | None:
        """The tools ``selector`` selects; None while they are not known (not started,
        failed, no such server or tool)."""
        ...

    def problem(self, selector: str) -> str | None:
        """Why ``selector`` selects nothing, in words for the user; None if it does, or
        while its server is yet to start (:meth:`prepare` starts it)."""
        ...

    async def prepare(self, selectors: Sequence[str]) -> None:
        """Make the selected tools known (start their servers), waiting at most their
        timeouts; never raises (a failure is what :meth:`problem` says)."""
        ...


class ToolCatalog:
    """The tools a request may offer, by name: ``[tools.NAME]`` from config.toml and the
    ones loaded from a file (a later definition of a name replaces the earlier one), and
    ``mcp:…`` names answered by :attr:`source`."""

    def __init__(
        self, definitions: Iterable[ToolDefinition] = (), source: ToolSource | None = None
    ) -> None:
        self._by_name: dict[str, ToolDefinition] = {}
        self.source = source
        self.add(definitions)

    def add(self, definitions: Iterable[ToolDefinition]) -> list[str]:
        """Add (or replace) ``definitions``; returns their names."""
        names: list[str] = []
        for definition in definitions:
            self._by_name[definition.name] = definition
            names.append(definition.name)
        return names

    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def get(self, name: str) -> ToolDefinition | None:
        return self._by_name.get(name)

    def resolve(self, names: Iterable[str]) -> tuple[list[ToolDefinition], list[str]]:
        """The definitions of ``names`` and the names no definition answers to."""
        found: list[ToolDefinition] = []
        missing: list[str] = []
        for name in names:
            if name.startswith(MCP_PREFIX):
                selected = None if self.source is None else self.source.definitions(name)
                if selected is None:
                    missing.append(name)
                else:
                    found.extend(selected)
                continue
            definition = self._by_name.get(name)
            if definition is None:
                missing.append(name)
            else:
                found.append(definition)
        return found, missing

    def problem(self, missing: Sequence[str]) -> str | None:
        """Why a request naming ``missing`` (from :meth:`resolve`) is not sent; None when
        only ``mcp:…`` tools that are still to be started are missing."""
        plain = [name for name in missing if not name.startswith(MCP_PREFIX)]
        if plain:
            return unknown_tools_problem(plain)
        for name in missing:
            if self.source is None:
                return f"No MCP server answers to {name!r}: add [mcp.servers.NAME]."
            why = self.source.problem(name)
            if why is not None:
                return why
        return None

    async def prepare(self, names: Sequence[str]) -> None:
        """Start what the ``mcp:…`` names need (see :meth:`ToolSource.prepare`)."""
        selectors = [n for n in names if n.startswith(MCP_PREFIX)]
        if selectors and self.source is not None:
            await self.source.prepare(selectors)


def unknown_tools_problem(missing: Sequence[str]) -> str:
    """Why a request naming tools nobody defined is not sent, in words for the user."""
    quoted = ", ".join(repr(name) for name in missing)
    which = "tool" if len(missing) == 1 else "tools"
    return (
        f"Unknown {which} {quoted} in the 'tools' parameter: define [tools.NAME] in "
        "config.toml, load a tools file (ctrl+p → Load tools from file…), or remove it."
    )


def wire_tool_choice(choice: str) -> Any:
    """``tool_choice`` as the request sends it: a word, or ``{"type": "function", …}``."""
    if choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def text_with_calls(content: str, tool_calls: Sequence[ToolCall]) -> str:
    """A message's text followed by its calls (name and arguments): what the token counter
    encodes and the search index finds."""
    if not tool_calls:
        return content
    calls = "\n".join(f"{call.name}({call.arguments})" for call in tool_calls)
    return f"{content}\n{calls}" if content else calls
