"""Streamed ``tool_calls`` put back together.

A streamed reply sends each call in pieces: the first delta of a call carries its
``index``, ``id`` and function ``name``, later ones more of its ``arguments`` text under the
same ``index``; several calls (parallel tool calls) interleave by index. The provider
feeds every chunk to a :class:`ToolCallAccumulator` and reports the whole calls when the
stream ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, cast

from gpt_tui.core.domain.message import ErrorInfo
from gpt_tui.core.domain.tools import ToolCall
from gpt_tui.core.providers.base import ChatRequest


@dataclass(slots=True)
class _Partial:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ToolCallAccumulator:
    """Collects the ``tool_calls`` deltas of one streamed reply (first choice only)."""

    def __init__(self) -> None:
        self._calls: dict[int, _Partial] = {}

    def add(self, chunk: object) -> None:
        """Take the tool-call pieces of one chunk (a JSON object); others are ignored."""
        if not isinstance(chunk, dict):
            return
        choices = cast(dict[str, Any], chunk).get("choices")
        if not isinstance(choices, list):
            return
        for choice in cast(list[object], choices):
            if not isinstance(choice, dict):
                continue
            choice = cast(dict[str, Any], choice)
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta")
            pieces = delta.get("tool_calls") if isinstance(delta, dict) else None
            if isinstance(pieces, list):
                for position, piece in enumerate(cast(list[object], pieces)):
                    if isinstance(piece, dict):
                        self._add_piece(cast(dict[str, Any], piece), position)

    def _add_piece(self, piece: dict[str, Any], position: int) -> None:
        index = piece.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            index = position  # some servers leave the index out of single calls
        partial = self._calls.setdefault(index, _Partial())
        call_id = piece.get("id")
        if isinstance(call_id, str) and call_id:
            partial.id = call_id
        function = piece.get("function")
        if not isinstance(function, dict):
            return
        function = cast(dict[str, Any], function)
        name = function.get("name")
        if isinstance(name, str) and name:
            # Servers send the name once; a few repeat it in every piece.
            partial.name = name if not partial.name or partial.name == name else partial.name
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            partial.arguments.append(arguments)
        elif isinstance(arguments, dict):  # a few servers send parsed arguments
            import json

            partial.arguments.append(json.dumps(arguments, ensure_ascii=False))

    def calls(self) -> tuple[ToolCall, ...]:
        """The calls received, by index; a call without an id gets ``call_<index>``."""
        return tuple(
            ToolCall(
                id=partial.id or f"call_{index}",
                name=partial.name,
                arguments="".join(partial.arguments),
            )
            for index, partial in sorted(self._calls.items())
        )


def with_tools_hint(info: ErrorInfo, request: ChatRequest) -> ErrorInfo:
    """``info`` for a request refused with HTTP 400 while it offered tools: the hint names
    the ``tools`` parameter, since many servers and models take no function calls."""
    tools = request.extra.get("tools")
    if info.status != 400 or not isinstance(tools, list) or not tools:
        return info
    hint = (
        "This request offered tools: if this model or server takes no function calls, "
        "empty the 'tools' parameter (F3, Advanced), then press ctrl+r."
    )
    return replace(info, hint=f"{hint} {info.hint}".strip())
