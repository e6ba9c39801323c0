"""Function calling end to end: the real app and the real ``openai`` SDK against the loopback
server streaming ``tool_calls`` split across chunks."""

from __future__ import annotations

import json
from pathlib import Path

from gpt_tui.core.domain.message import MessageStatus
from gpt_tui.core.domain.tools import ToolCall
from gpt_tui.ui.widgets.prompt_input import PromptInput
from gpt_tui.ui.widgets.tool_cards import ToolCallCard, ToolResultView
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_text, screen_of, type_and_send, wait_idle

KEY = "sk-e2e-tools-0123456789abcdef"
CONFIG = """\
[provider]
max_retries = 0
timeout = 5.0

[defaults]
tools = ["get_weather"]

[tools.get_weather]
description = "Current weather in a city"
parameters = { type = "object", properties = { city = { type = "string" } }, required = ["city"] }
"""
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def call_delta(index: int, call_id: str | None, name: str | None, args: str) -> dict[str, object]:
    piece: dict[str, object] = {"index": index, "function": {"arguments": args}}
    if call_id is not None:
        piece["id"] = call_id
        piece["type"] = "function"
        piece["function"] = {"name": name, "arguments": args}
    return {"tool_calls": [piece]}


TWO_CALLS = ScriptedReply(
    deltas=[
        call_delta(0, "call_1", "get_weather", '{"ci'),
        call_delta(0, None, None, 'ty": "Paris"}'),
        call_delta(1, "call_2", "get_weather", ""),
        call_delta(1, None, None, '{"city": "Oslo"'),
        call_delta(1, None, None, "}"),
    ],
    finish_reason="tool_calls",
)


async def test_streamed_calls_are_shown_answered_and_followed_up(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    fake_server.queue(TWO_CALLS, ScriptedReply(text="Sunny in Paris, rain in Oslo."))
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "Weather in Paris and Oslo?")
        await wait_idle(pilot)
        screen = screen_of(app)
        reply = screen.conversation.messages[-1]
        assert reply.status is MessageStatus.COMPLETE
        assert reply.tool_calls == (
            ToolCall("call_1", "get_weather", '{"city": "Paris"}'),
            ToolCall("call_2", "get_weather", '{"city": "Oslo"}'),
        )
        cards = list(screen.query(ToolCallCard))
        assert [card.call_id for card in cards] == ["call_1", "call_2"]
        assert str(cards[0].render()) == '{\n  "city": "Paris"\n}'
        prompt = screen.query_one(PromptInput)
        assert str(prompt.border_title) == "result for get_weather, call 1 of 2"
        await type_and_send(app, pilot, "sunny, 21 °C")
        await wait_idle(pilot)
        assert len(fake_server.requests) == 1  # one result is not enough to go on
        assert str(prompt.border_title) == "result for get_weather, call 2 of 2"
        await type_and_send(app, pilot, "rain, 7 °C")
        await wait_idle(pilot)
        assert reply_text(app) == "Sunny in Paris, rain in Oslo."
        assert prompt.border_title is None
        assert len(screen.query(ToolResultView)) == 2
    first, follow_up = fake_server.requests
    assert first.body is not None and follow_up.body is not None
    assert first.body["tools"] == [WEATHER_TOOL]
    assert follow_up.body["messages"] == [
        {"role": "user", "content": "Weather in Paris and Oslo?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                },
            ],
        },
        {"role": "tool", "content": "sunny, 21 °C", "tool_call_id": "call_1"},
        {"role": "tool", "content": "rain, 7 °C", "tool_call_id": "call_2"},
    ]
    saved = json.loads(
        next((tmp_path / "data" / "conversations").glob("*.json")).read_text(encoding="utf-8")
    )
    assert [m["role"] for m in saved["messages"]] == [
        "user",
        "assistant",
        "tool",
        "tool",
        "assistant",
    ]
    assert saved["messages"][2]["tool_call_id"] == "call_1"


async def test_a_waiting_turn_is_asked_again_after_a_restart(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    fake_server.queue(
        ScriptedReply(
            deltas=[call_delta(0, "call_9", "get_weather", '{"city": "Rome"}')],
            finish_reason="tool_calls",
        ),
        ScriptedReply(text="Warm in Rome."),
    )
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "Rome?")
        await wait_idle(pilot)
    again = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with again.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        prompt = screen_of(again).query_one(PromptInput)
        assert str(prompt.border_title) == "result for get_weather, call 1 of 1"
        await type_and_send(again, pilot, "25 °C")
        await wait_idle(pilot)
        assert reply_text(again) == "Warm in Rome."
    assert fake_server.requests[-1].body is not None
    assert fake_server.requests[-1].body["messages"][-1] == {
        "role": "tool",
        "content": "25 °C",
        "tool_call_id": "call_9",
    }


async def test_a_server_that_rejects_tools_names_the_parameter_and_keeps_the_draft(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    fake_server.queue(
        ScriptedReply(
            status=400,
            error_body=json.dumps(
                {
                    "error": {
                        "message": "this model cannot do that",
                        "type": "invalid_request_error",
                        "code": 400,
                    }
                }
            ),
        )
    )
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "Weather?")
        await wait_idle(pilot)
        reply = screen_of(app).conversation.messages[-1]
        assert reply.error is not None
        shown = f"{reply.error.title} {reply.error.hint}"
        assert reply.error.status == 400
        assert "empty the 'tools' parameter (F3, Advanced)" in shown
        assert screen_of(app).conversation.messages[0].content == "Weather?"
        assert screen_of(app).services.chat.can_retry(screen_of(app).conversation)
