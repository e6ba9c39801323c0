"""Turn a conversation into the request its next turn sends."""

from __future__ import annotations

from collections.abc import Sequence

from gpt_tui.core.models import Message, Params
from gpt_tui.core.providers.base import ChatRequest


def build_request(params: Params, history: Sequence[Message]) -> ChatRequest:
    """The request for ``history`` (oldest first) with ``params``.

    The system prompt goes first when set; replies that failed or were interrupted are left
    out (see :attr:`Message.sent_in_history`) so a re-sent prompt meets a clean history.
    """
    messages: list[dict[str, str]] = []
    if params.system_prompt.strip():
        messages.append({"role": "system", "content": params.system_prompt})
    messages.extend({"role": m.role, "content": m.content} for m in history if m.sent_in_history)
    return ChatRequest(
        model=params.model,
        messages=messages,
        temperature=params.temperature,
        top_p=params.top_p,
        max_tokens=params.max_tokens,
    )
