"""Where a conversation stands in a tool turn: which calls of the last reply still wait
for their result."""

from __future__ import annotations

from collections.abc import Sequence

from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.domain.tools import ToolCall


def pending_calls(path: Sequence[Message]) -> list[ToolCall]:
    """The calls of the shown branch's last reply that have no result yet, in call order.

    Empty unless the branch ends in a complete reply with ``tool_calls`` followed only by
    role ``tool`` messages answering some of them.
    """
    answered: set[str] = set()
    for message in reversed(path):
        if message.role == "tool":
            if message.tool_call_id is not None:
                answered.add(message.tool_call_id)
            continue
        if message.role == "assistant" and message.tool_calls:
            if message.status is not MessageStatus.COMPLETE:
                return []
            return [call for call in message.tool_calls if call.id not in answered]
        return []
    return []


def in_tool_turn(message: Message) -> bool:
    """Whether ``message`` is part of a tool turn's middle: a reply asking for calls, or a
    call's result (a regenerated answer goes back past these to the user's prompt)."""
    return message.role == "tool" or bool(message.role == "assistant" and message.tool_calls)
