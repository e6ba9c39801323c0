"""Reasoning goes back to the server only where its protocol asks for it: DeepSeek's
thinking mode, for the replies that called tools since the last prompt."""

from __future__ import annotations

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.reasoning import Reasoning
from gpt_tui.core.domain.tools import ToolCall
from gpt_tui.core.planning.request_builder import build_request


def _history() -> list[Message]:
    call = ToolCall("call_1", "get_weather", '{"city": "Paris"}')
    return [
        Message("user", "Is it warm in Rome?"),
        Message("assistant", "Yes.", reasoning=Reasoning("an earlier turn's thought", 1.0, 2)),
        Message("user", "And in Paris?"),
        Message("assistant", "", tool_calls=(call,), reasoning=Reasoning("look it up", 0.5, 1)),
        Message("tool", "18 °C", tool_call_id="call_1"),
    ]


def test_deepseek_gets_the_reasoning_of_this_turns_tool_calls_only() -> None:
    request = build_request(Params(model="deepseek-reasoner"), _history())
    assistants = [m for m in request.messages if m["role"] == "assistant"]
    assert "reasoning_content" not in assistants[0]  # an earlier turn: never sent back
    assert assistants[1]["reasoning_content"] == "look it up"
    assert assistants[1]["tool_calls"][0]["id"] == "call_1"


def test_other_servers_are_sent_no_reasoning() -> None:
    for model in ("gpt-4o", "qwen3:8b", "o3-mini"):
        request = build_request(Params(model=model), _history())
        assert not any("reasoning_content" in m for m in request.messages), model
