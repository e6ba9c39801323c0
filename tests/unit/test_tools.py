"""Function calling: tool calls on replies, tool results, definitions, and their wire form."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message, MessageStatus
from gpt_tui.core.domain.schema import SchemaError
from gpt_tui.core.domain.tool_turn import pending_calls
from gpt_tui.core.domain.tools import (
    ToolCall,
    ToolCatalog,
    ToolDefinition,
    definitions_from_openai,
)
from gpt_tui.core.interchange.exporting import to_json, to_markdown
from gpt_tui.core.interchange.importing import import_data
from gpt_tui.core.params.extra import ExtraParams
from gpt_tui.core.params.spec import spec_for
from gpt_tui.core.planning.planner import RequestPlanner
from gpt_tui.core.planning.pricing import PriceBook
from gpt_tui.core.planning.request_builder import build_request
from gpt_tui.core.planning.tokens import TokenCounter
from gpt_tui.core.providers.base import (
    ChatProvider,
    ChatRequest,
    StreamEvent,
    TextDelta,
    ToolCallsReported,
)
from gpt_tui.core.providers.registry import ProviderRegistry
from gpt_tui.core.providers.tool_stream import ToolCallAccumulator
from gpt_tui.core.service.chat import ChatService
from gpt_tui.core.service.events import TurnEvent, TurnPlan, TurnRefused
from gpt_tui.core.service.services import build_services
from gpt_tui.core.store.conversations import ConversationStore
from tests.fakes import FrozenClock
from tests.unit.test_chat_service import CONFIGURED

WEATHER = ToolDefinition(
    "get_weather",
    "Current weather in a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
CALL_1 = ToolCall("call_1", "get_weather", '{"city": "Paris"}')
CALL_2 = ToolCall("call_2", "get_weather", '{"city": "Oslo"}')
WITH_TOOLS = Params(model="gpt-4o", extra=ExtraParams(tools=("get_weather",)))


def chunk(*tool_calls: dict[str, object], index: int = 0) -> dict[str, object]:
    return {"choices": [{"index": index, "delta": {"tool_calls": list(tool_calls)}}]}


# --- domain and storage ---------------------------------------------------------------------


def test_messages_with_calls_and_results_round_trip_and_old_ones_keep_their_keys() -> None:
    reply = Message("assistant", "", tool_calls=(CALL_1, CALL_2))
    result = Message("tool", '{"temp": 21}', tool_call_id="call_1")
    assert Message.from_dict(reply.to_dict()) == reply
    assert Message.from_dict(result.to_dict()) == result
    plain = Message("assistant", "Hi").to_dict()
    assert "tool_calls" not in plain and "tool_call_id" not in plain
    assert reply.to_dict()["tool_calls"] == [
        {"id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        {"id": "call_2", "name": "get_weather", "arguments": '{"city": "Oslo"}'},
    ]


def test_bad_stored_calls_name_the_field() -> None:
    raw = Message("assistant", "").to_dict()
    raw["tool_calls"] = [{"id": "c", "arguments": "{}"}]
    with pytest.raises(SchemaError, match=r"message\.tool_calls\[0\]\.name: missing"):
        Message.from_dict(raw)
    raw["tool_calls"] = "nope"
    with pytest.raises(SchemaError, match=r"message\.tool_calls: expected a list"):
        Message.from_dict(raw)


def test_a_reply_that_only_calls_tools_is_sent_in_history() -> None:
    assert Message("assistant", "", tool_calls=(CALL_1,)).sent_in_history
    stopped = Message("assistant", "", tool_calls=(CALL_1,), status=MessageStatus.STOPPED)
    assert not stopped.sent_in_history


def test_malformed_arguments_are_kept_raw_with_the_reason() -> None:
    call = ToolCall("c", "f", '{"city": "Par')
    value, problem = call.parsed_arguments()
    assert value is None and problem is not None and "not valid JSON" in problem
    assert call.pretty_arguments() == '{"city": "Par'
    assert CALL_1.pretty_arguments() == '{\n  "city": "Paris"\n}'


def test_pending_calls_follow_the_results_given() -> None:
    path = [Message("user", "weather?"), Message("assistant", "", tool_calls=(CALL_1, CALL_2))]
    assert pending_calls(path) == [CALL_1, CALL_2]
    path.append(Message("tool", "sunny", tool_call_id="call_1"))
    assert pending_calls(path) == [CALL_2]
    path.append(Message("tool", "rain", tool_call_id="call_2"))
    assert pending_calls(path) == []
    path.append(Message("assistant", "Sunny in Paris, rain in Oslo."))
    assert pending_calls(path) == []


def test_openai_tools_files_are_read_and_mistakes_named() -> None:
    raw = {"tools": [{"type": "function", "function": WEATHER.wire()["function"]}]}
    assert definitions_from_openai(raw) == [WEATHER]
    with pytest.raises(SchemaError, match=r"tools\[0\]\.function\.name: missing"):
        definitions_from_openai([{"type": "function", "function": {}}])
    with pytest.raises(SchemaError, match="only function tools"):
        definitions_from_openai([{"type": "web_search"}])


# --- streaming ---------------------------------------------------------------------------


def test_split_arguments_and_parallel_calls_are_put_together_by_index() -> None:
    acc = ToolCallAccumulator()
    acc.add(chunk({"index": 0, "id": "call_1", "function": {"name": "get_weather"}}))
    acc.add(chunk({"index": 1, "id": "call_2", "function": {"name": "get_time", "arguments": ""}}))
    acc.add(chunk({"index": 0, "function": {"arguments": '{"ci'}}))
    acc.add(chunk({"index": 1, "function": {"arguments": '{"tz": "UTC"}'}}))
    acc.add(chunk({"index": 0, "function": {"arguments": 'ty": "Paris"}'}}))
    acc.add(chunk({"index": 0, "function": {"arguments": "ignored"}}, index=1))  # 2nd choice
    acc.add({"choices": [{"delta": {"content": "text"}}]})
    acc.add("not a chunk")
    assert acc.calls() == (
        ToolCall("call_1", "get_weather", '{"city": "Paris"}'),
        ToolCall("call_2", "get_time", '{"tz": "UTC"}'),
    )


def test_calls_without_ids_or_indexes_still_come_out() -> None:
    acc = ToolCallAccumulator()
    acc.add(chunk({"function": {"name": "f", "arguments": {"a": 1}}}))
    assert acc.calls() == (ToolCall("call_0", "f", '{"a": 1}'),)
    assert ToolCallAccumulator().calls() == ()


# --- requests --------------------------------------------------------------------------------


def tool_history() -> list[Message]:
    return [
        Message("user", "weather in Paris?"),
        Message("assistant", "", tool_calls=(CALL_1,)),
        Message("tool", "sunny, 21 °C", tool_call_id="call_1"),
    ]


def test_requests_carry_calls_results_and_definitions_in_order() -> None:
    params = WITH_TOOLS.with_changes(
        extra=ExtraParams(tools=("get_weather",), tool_choice="required", parallel_tool_calls=False)
    )
    request = build_request(params, tool_history(), tools=ToolCatalog([WEATHER]))
    assert request.messages == [
        {"role": "user", "content": "weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "content": "sunny, 21 °C", "tool_call_id": "call_1"},
    ]
    assert request.extra == {
        "tools": [WEATHER.wire()],
        "tool_choice": "required",
        "parallel_tool_calls": False,
    }
    named = params.with_changes(
        extra=ExtraParams(tools=("get_weather",), tool_choice="get_weather")
    )
    assert build_request(named, [], tools=ToolCatalog([WEATHER])).extra["tool_choice"] == {
        "type": "function",
        "function": {"name": "get_weather"},
    }


def test_without_a_defined_tool_neither_choice_nor_parallel_goes_out() -> None:
    params = Params(
        model="gpt-4o",
        extra=ExtraParams(tools=("nope",), tool_choice="auto", parallel_tool_calls=True),
    )
    assert build_request(params, [], tools=ToolCatalog([WEATHER])).extra == {}
    legacy = params.with_changes(model="o1-mini", extra=ExtraParams(tools=("get_weather",)))
    assert "tools" not in build_request(legacy, [], tools=ToolCatalog([WEATHER])).extra


def test_tool_definitions_count_in_the_prompt_tokens() -> None:
    planner = RequestPlanner(TokenCounter(), PriceBook(), ToolCatalog([WEATHER]))
    without = planner.estimate(Params(model="gpt-4o"), [], "hi", None)
    with_tools = planner.estimate(WITH_TOOLS, [], "hi", None)
    assert with_tools.request.tokens > without.request.tokens + 10
    history = tool_history()
    calls = planner.estimate(Params(model="gpt-4o"), history, "", None)
    bare = planner.estimate(
        Params(model="gpt-4o"), [history[0], Message("assistant", ""), history[2]], "", None
    )
    assert calls.request.tokens > bare.request.tokens


def test_the_spec_reads_tool_names_and_flags() -> None:
    tools = spec_for("tools")
    assert tools.parse("get_weather, mcp:time  get_weather") == ("get_weather", "mcp:time")
    assert tools.parse("") is None
    assert tools.format(("a", "b")) == "a, b"
    assert tools.check(["x"]) == ("x",)
    flag = spec_for("parallel_tool_calls")
    assert flag.parse("off") is False and flag.parse("True") is True and flag.parse("") is None
    with pytest.raises(ValueError, match="parallel_tool_calls must be true or false"):
        flag.parse("maybe")
    with pytest.raises(ValueError, match="must be true or false"):
        flag.check("yes")


# --- config ----------------------------------------------------------------------------------

CONFIG = """\
[defaults]
tools = ["get_weather"]
tool_choice = "auto"
parallel_tool_calls = false

[tools.get_weather]
description = "Current weather in a city"
parameters = { type = "object", properties = { city = { type = "string" } }, required = ["city"] }

[tools.bad_schema]
parameters = "city"

[tools."no spaces"]
description = "x"

[tools.typo]
descripton = "x"
"""


def test_config_tools_load_and_each_mistake_is_reported_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o600)
    settings, problems = load_settings(path, {})
    assert dict(settings.tools) == {"get_weather": WEATHER, "typo": ToolDefinition("typo")}
    assert settings.defaults.more["tools"] == ("get_weather",)
    assert settings.defaults.more["parallel_tool_calls"] is False
    found = {(p.key, p.line): p.message for p in problems}
    assert found[("tools.bad_schema.parameters", 11)].startswith("must be a JSON Schema table")
    assert "1 to 64 letters" in found[("tools.no spaces", 13)]
    assert (
        found[("tools.typo.descripton", 17)]
        == "unknown key 'descripton' (did you mean 'description'?)"
    )
    params = ChatService.params_from_defaults("gpt-4o", settings.defaults)
    assert params.extra.tools == ("get_weather",)


# --- the service -----------------------------------------------------------------------------


@dataclass
class ToolProvider:
    """Answers with scripted events and records each request."""

    replies: list[list[StreamEvent]]
    requests: list[ChatRequest] = field(default_factory=list)
    label: str = "tools"

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        for event in self.replies.pop(0):
            yield event

    async def aclose(self) -> None:
        """Nothing to release."""


def tool_service(root: Path, provider: ToolProvider) -> ChatService:
    def make(settings: object) -> ChatProvider:
        return provider

    return build_services(
        ConversationStore(root),
        ProviderRegistry(CONFIGURED, make_provider=make),
        RequestPlanner(TokenCounter(), PriceBook(), ToolCatalog([WEATHER])),
        default_params=WITH_TOOLS,
        now=FrozenClock(),
    ).chat


async def test_a_tool_turn_saves_calls_takes_results_and_follows_up(tmp_path: Path) -> None:
    provider = ToolProvider(
        [[ToolCallsReported((CALL_1, CALL_2))], [TextDelta("Sunny and rainy.")]]
    )
    service = tool_service(tmp_path, provider)
    conversation = service.new_conversation()
    events: list[TurnEvent] = []
    reply = await service.run(conversation, TurnPlan.send("weather?"), events.append)
    assert reply.tool_calls == (CALL_1, CALL_2) and reply.status is MessageStatus.COMPLETE
    assert reply.usage is not None and reply.usage.estimated
    assert provider.requests[0].extra["tools"] == [WEATHER.wire()]
    assert service.pending_tool_calls(conversation) == [CALL_1, CALL_2]
    assert service.refusal(conversation, TurnPlan.send("hi")) is not None
    assert not service.can_retry(conversation)
    with pytest.raises(TurnRefused):
        service.add_tool_result(conversation, "call_9", "x")
    service.add_tool_result(conversation, "call_1", "sunny")
    assert not service.can_retry(conversation)
    service.add_tool_result(conversation, "call_2", "rain")
    assert service.can_retry(conversation)
    answer = await service.run(conversation, TurnPlan.retry(), events.append)
    assert answer.content == "Sunny and rainy."
    sent = provider.requests[1].messages
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool"]
    assert [m.get("tool_call_id") for m in sent[2:]] == ["call_1", "call_2"]
    saved = Conversation.from_dict(
        json.loads(next((tmp_path / "conversations").glob("*.json")).read_text("utf-8"))
    )
    assert saved.to_dict() == conversation.to_dict()
    # Regenerating the answer asks the whole tool turn again, from the user's prompt.
    provider.replies.append([TextDelta("Asked again.")])
    await service.run(conversation, TurnPlan.regenerate(answer.id), events.append)
    assert [m.role for m in conversation.messages] == ["user", "assistant"]
    assert [m["role"] for m in provider.requests[2].messages] == ["user"]


async def test_an_undefined_tool_is_refused_before_anything_goes_out(tmp_path: Path) -> None:
    provider = ToolProvider([])
    service = tool_service(tmp_path, provider)
    conversation = service.new_conversation()
    conversation.params = Params(model="gpt-4o", extra=ExtraParams(tools=("get_time",)))
    reason = service.refusal(conversation, TurnPlan.send("hi"))
    assert reason is not None and "Unknown tool 'get_time'" in reason
    assert "[tools.NAME]" in reason


# --- export ----------------------------------------------------------------------------------


def test_exports_show_calls_and_results_and_json_keeps_them_exactly() -> None:
    conversation = Conversation(Params(model="gpt-4o"), title="Weather")
    for message in tool_history():
        conversation.append(message)
    conversation.append(Message("assistant", "", tool_calls=(ToolCall("c2", "f", "{bad"),)))
    markdown = to_markdown(conversation)
    assert '**Tool call** get_weather (call_1)\n\n```json\n{\n  "city": "Paris"\n}\n```' in markdown
    assert "## Tool result (call_1)\n\nsunny, 21 °C" in markdown
    assert "**Tool call** f (c2) — *the arguments are not valid JSON" in markdown
    result = import_data(to_json(conversation), source="x.json", now=conversation.created_at)
    assert [c.to_dict() for c in result.conversations] == [conversation.to_dict()]


async def test_request_code_shows_the_tools_and_the_results(tmp_path: Path) -> None:
    provider = ToolProvider([[ToolCallsReported((CALL_1,))]])
    service = tool_service(tmp_path, provider)
    conversation = service.new_conversation()
    await service.run(conversation, TurnPlan.send("weather?"), lambda _event: None)
    service.add_tool_result(conversation, "call_1", "sunny")
    code = service.request_code(conversation, "")
    assert code.body["tools"] == [WEATHER.wire()]
    assert '"tool_call_id": "call_1"' in code.curl
    assert "tools=[{'type': 'function'," in code.python


def test_the_search_index_holds_call_arguments(tmp_path: Path) -> None:
    from gpt_tui.core.store.search_index import SearchIndex

    conversation = Conversation(Params(model="gpt-4o"), title="Weather")
    for message in tool_history():
        conversation.append(message)
    index = SearchIndex(tmp_path / "search.sqlite")
    index.update(conversation)
    hits = index.search("city").hits  # only in the call's arguments
    assert [(hit.role, hit.message_id) for hit in hits] == [
        ("assistant", conversation.messages[1].id)
    ]
    assert [hit.role for hit in index.search("21 °C").hits] == ["tool"]


def test_a_tools_file_adds_functions_and_a_bad_one_is_named(tmp_path: Path) -> None:
    from gpt_tui.core.service.mcp import McpServers
    from gpt_tui.core.service.tools import ToolsFileError, ToolsService

    catalog = ToolCatalog()
    service = ToolsService(catalog, McpServers({}))
    good = tmp_path / "tools.json"
    good.write_text(json.dumps([WEATHER.wire()]), encoding="utf-8")
    assert service.load_file(good) == ["get_weather"]
    assert catalog.get("get_weather") == WEATHER
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"type": "function", "function": {"description": "x"}}]))
    with pytest.raises(ToolsFileError, match=r"tools\[0\]\.function\.name: missing"):
        service.load_file(bad)
    with pytest.raises(ToolsFileError):
        service.load_file(tmp_path / "missing.json")
