"""Turn a conversation into the request its next turn sends.

:func:`build_request` applies the model's :func:`~gpt_tui.core.params.capabilities.capabilities_for`
table: for reasoning models ``max_tokens`` goes out as ``max_completion_tokens``, sampling
parameters they reject are left out, and the system prompt becomes a ``developer`` message
(or, for o1-mini/o1-preview, part of the first user message).

The optional parameters (penalties, stop, seed, response_format, reasoning_effort) are the
conversation's ``Params.extra`` (an :class:`ExtraParams`); each is sent only when set and
when it applies to the model, under ``ChatRequest.extra``. ``reasoning_effort`` is also left
out when the model does not take that value (e.g. "minimal" for o3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.params.capabilities import Capabilities, adapt_system_messages, capabilities_for
from gpt_tui.core.params.extra import (
    MAX_STOP_SEQUENCES,
    REASONING_EFFORT_VALUES,
    RESPONSE_FORMATS,
    ExtraParams,
    ResponseFormat,
)
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
    files: AttachmentFiles | None = None,
) -> ChatRequest:
    """The request for ``history`` (oldest first) with ``params`` and ``extra``
    (default: ``params.extra``).

    The system prompt goes first when set; replies that failed or were interrupted are left
    out (see :attr:`Message.sent_in_history`) so a re-sent prompt meets a clean history.
    What the model does not take is left out and what it takes under another name is
    renamed (see :mod:`gpt_tui.core.params.capabilities`). Attachments are read from
    ``files`` and sent as :mod:`~gpt_tui.core.planning.attachment_parts` describes.
    """
    caps = capabilities_for(params.model)
    messages: list[dict[str, str]] = []
    if params.system_prompt.strip():
        messages.append({"role": "system", "content": params.system_prompt})
    sent = [m for m in history if m.sent_in_history]
    messages.extend({"role": m.role, "content": m.content} for m in sent)
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
    wire: dict[str, Any] = {}
    max_tokens = params.max_tokens
    if max_tokens is not None and caps.max_tokens.wire_name:
        wire[caps.max_tokens.wire_name] = max_tokens
        max_tokens = None
    wire.update(_applicable((params.extra if extra is None else extra).wire_values(), caps))
    return ChatRequest(
        model=params.model,
        messages=wire_messages,
        temperature=params.temperature if caps.temperature.applies else None,
        top_p=params.top_p if caps.top_p.applies else None,
        max_tokens=max_tokens,
        extra=wire,
    )


def _applicable(values: dict[str, Any], caps: Capabilities) -> dict[str, Any]:
    kept = {k: v for k, v in values.items() if caps.support(k).applies}
    effort = kept.get("reasoning_effort")
    if effort is not None and caps.reasoning_efforts and effort not in caps.reasoning_efforts:
        # Not one this model takes (e.g. "minimal" for o3): let the server's default apply.
        del kept["reasoning_effort"]
    return kept
