"""Turn a conversation into the request its next turn sends.

:func:`build_request` applies the model's :func:`~gpt_tui.core.params.capabilities.capabilities_for`
table: for reasoning models ``max_tokens`` goes out as ``max_completion_tokens``, sampling
parameters they reject are left out, and the system prompt becomes a ``developer`` message
(or, for o1-mini/o1-preview, part of the first user message).

The optional parameters (penalties, stop, seed, response_format, reasoning_effort) are the
conversation's ``Params.extra`` (an :class:`ExtraParams`); each is sent only when set and
when it applies to the model, under ``ChatRequest.extra``. ``reasoning_effort`` is also left
out when the model does not take that value (e.g. "minimal" for o3).

``tools`` names tools; their definitions (from a :class:`ToolCatalog`) go out as the
``tools`` array, and ``tool_choice``/``parallel_tool_calls`` only with them. Assistant
replies carry their ``tool_calls`` and tool results their ``tool_call_id``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gpt_tui.core.config.schemas import NamedSchema
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.tools import ToolCatalog, wire_tool_choice
from gpt_tui.core.params.capabilities import Capabilities, adapt_system_messages, capabilities_for
from gpt_tui.core.params.extra import (
    MAX_STOP_SEQUENCES,
    REASONING_EFFORT_VALUES,
    RESPONSE_FORMATS,
    ExtraParams,
    ResponseFormat,
)
from gpt_tui.core.params.spec import JSON_SCHEMA_PREFIX
from gpt_tui.core.planning.attachment_parts import AttachmentFiles, message_content
from gpt_tui.core.providers.base import ChatRequest

__all__ = [
    "MAX_STOP_SEQUENCES",
    "REASONING_EFFORT_VALUES",
    "RESPONSE_FORMATS",
    "ExtraParams",
    "ResponseFormat",
    "build_request",
]


def build_request(
    params: Params,
    history: Sequence[Message],
    extra: ExtraParams | None = None,
    *,
    schemas: Mapping[str, NamedSchema] | None = None,
    tools: ToolCatalog | None = None,
    files: AttachmentFiles | None = None,
) -> ChatRequest:
    """The request for ``history`` (oldest first) with ``params`` and ``extra``
    (default: ``params.extra``).

    The system prompt goes first when set; replies that failed or were interrupted are left
    out (see :attr:`Message.sent_in_history`) so a re-sent prompt meets a clean history.
    What the model does not take is left out and what it takes under another name is
    renamed (see :mod:`gpt_tui.core.params.capabilities`). Tool names ``tools`` does not
    define are left out (the turn's planning refuses to send them first).
    renamed (see :mod:`gpt_tui.core.params.capabilities`). Attachments are read from
    ``files`` and sent as :mod:`~gpt_tui.core.planning.attachment_parts` describes.
    """
    caps = capabilities_for(params.model)
    messages: list[dict[str, Any]] = []
    if params.system_prompt.strip():
        messages.append({"role": "system", "content": params.system_prompt})
    sent = [m for m in history if m.sent_in_history]
    messages.extend(m.wire() for m in sent)
    wire_messages: list[dict[str, Any]] = list(adapt_system_messages(messages, caps.system_role))
    detail = (params.extra if extra is None else extra).detail
    # The history is the tail of the adapted list (a folded system prompt only ever joins
    # the first user message's text): its attachments go out in place of the plain text.
    offset = len(wire_messages) - len(sent)
    for index, message in enumerate(sent):
        if message.attachments:
            sent_message = wire_messages[offset + index]
            text = sent_message["content"]
            folded = text[: len(text) - len(message.content)]
            content = message_content(message, files, detail)
            if isinstance(content, str):
                sent_message["content"] = folded + content
            else:
                if folded and content and content[0].get("type") == "text":
                    content[0]["text"] = folded + content[0]["text"]
                sent_message["content"] = content
    if caps.reasoning_in_tool_turns:
        _reasoning_in_tool_turn(sent, wire_messages[offset:])
    wire: dict[str, Any] = {}
    max_tokens = params.max_tokens
    if max_tokens is not None and caps.max_tokens.wire_name:
        wire[caps.max_tokens.wire_name] = max_tokens
        max_tokens = None
    values = (params.extra if extra is None else extra).wire_values()
    wire.update(_applicable(_with_tools(values, tools), caps))
    _expand_schema(wire, schemas or {})
    if "logprobs" not in wire:  # the API takes top_logprobs only with logprobs
        wire.pop("top_logprobs", None)
    return ChatRequest(
        model=params.model,
        messages=wire_messages,
        temperature=params.temperature if caps.temperature.applies else None,
        top_p=params.top_p if caps.top_p.applies else None,
        max_tokens=max_tokens,
        extra=wire,
    )


def _reasoning_in_tool_turn(sent: Sequence[Message], entries: list[dict[str, Any]]) -> None:
    """Give back the reasoning of the replies that called tools since the last prompt.

    DeepSeek's thinking mode wants, within one tool-call turn, each assistant message's
    ``reasoning_content`` sent back with it; earlier turns' reasoning is never sent (it
    would be ignored, and cost tokens), nor is it anywhere else.
    """
    last_prompt = max((i for i, m in enumerate(sent) if m.role == "user"), default=-1)
    for message, entry in zip(sent[last_prompt + 1 :], entries[last_prompt + 1 :], strict=True):
        if message.tool_calls and message.reasoning is not None and message.reasoning.text:
            entry["reasoning_content"] = message.reasoning.text


def _expand_schema(wire: dict[str, Any], schemas: Mapping[str, NamedSchema]) -> None:
    """``response_format: json_schema:NAME`` in OpenAI's shape, with the schema's body; left
    out when there is no such schema (:func:`format_problem` refuses the turn first)."""
    value = wire.get("response_format")
    kind = value.get("type") if isinstance(value, dict) else None
    if not isinstance(kind, str) or not kind.startswith(JSON_SCHEMA_PREFIX):
        return
    named = schemas.get(kind.removeprefix(JSON_SCHEMA_PREFIX))
    if named is None:
        del wire["response_format"]
    else:
        wire["response_format"] = named.wire()


def format_problem(params: Params, schemas: Mapping[str, NamedSchema]) -> str | None:
    """Why ``params``'s response format cannot be sent (a schema not in config), or None."""
    value = params.extra.response_format
    if value is None or not value.startswith(JSON_SCHEMA_PREFIX):
        return None
    name = value.removeprefix(JSON_SCHEMA_PREFIX)
    if name in schemas:
        return None
    known = ", ".join(sorted(schemas)) or "none"
    return (
        f"response_format {value}: there is no valid schema [schemas.{name}] in config.toml "
        f"(valid schemas: {known}; mistakes in one are listed at launch and by gpt-tui doctor)."
    )


def _with_tools(values: dict[str, Any], catalog: ToolCatalog | None) -> dict[str, Any]:
    """``values`` with the tool names replaced by their definitions; without any tool,
    ``tool_choice`` and ``parallel_tool_calls`` are left out (servers refuse them alone)."""
    names = values.pop("tools", None) or []
    definitions = [] if catalog is None else catalog.resolve(names)[0]
    if not definitions:
        values.pop("tool_choice", None)
        values.pop("parallel_tool_calls", None)
        return values
    with_tools: dict[str, Any] = {"tools": [d.wire() for d in definitions], **values}
    if "tool_choice" in values:
        with_tools["tool_choice"] = wire_tool_choice(values["tool_choice"])
    return with_tools


def _applicable(values: dict[str, Any], caps: Capabilities) -> dict[str, Any]:
    kept = {k: v for k, v in values.items() if caps.support(k).applies}
    if not caps.tools.applies:
        kept.pop("tool_choice", None)
        kept.pop("parallel_tool_calls", None)
    effort = kept.get("reasoning_effort")
    if effort is not None and caps.reasoning_efforts and effort not in caps.reasoning_efforts:
        # Not one this model takes (e.g. "minimal" for o3): let the server's default apply.
        del kept["reasoning_effort"]
    return kept
