"""Conversation files of schema 3: what a message may now carry survives a save and a load,
and a schema-2 file (written before) still reads, and is written as 3."""

from __future__ import annotations

import json
from decimal import Decimal

from gpt_tui.core.domain.attachments import Attachment
from gpt_tui.core.domain.conversation import SCHEMA_VERSION, Conversation, Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.reasoning import Reasoning
from gpt_tui.core.domain.tools import ToolCall


def _round_trip(conversation: Conversation) -> Conversation:
    return Conversation.from_dict(json.loads(json.dumps(conversation.to_dict())))


def test_every_new_part_of_a_message_survives_a_round_trip() -> None:
    conversation = Conversation(Params(model="gpt-4o"))
    image = Attachment.from_dict(
        {"kind": "image", "name": "chart.png", "sha256": "ab" * 32, "size": 10, "mime": "image/png"}
    )
    prompt = Message("user", "What is the weather?", attachments=(image,))
    call = ToolCall("call_1", "get_weather", '{"city": "Paris"}')
    reply = Message(
        "assistant",
        "",
        tool_calls=(call,),
        reasoning=Reasoning("Look it up.", 1.5, 3),
        finish_reason="tool_calls",
        label="gpt-4o · temperature 0.2",
        cost=Decimal("0.0123"),
        cost_reported=True,
    )
    result = Message("tool", "18 °C", tool_call_id="call_1")
    for message in (prompt, reply, result):
        conversation.append(message)

    data = conversation.to_dict()
    assert data["schema_version"] == SCHEMA_VERSION == 3
    back = _round_trip(conversation)
    assert [m.to_dict() for m in back.messages] == [m.to_dict() for m in conversation.messages]
    assert back.messages[1].tool_calls == (call,)
    assert back.messages[2].role == "tool"
    assert back.messages[0].attachments[0].name == "chart.png"


def test_a_schema_two_file_still_reads_and_plain_messages_keep_their_keys() -> None:
    conversation = Conversation(Params(model="gpt-4o-mini"))
    conversation.append(Message("user", "hi"))
    conversation.append(Message("assistant", "Hello!"))
    data = conversation.to_dict()
    data["schema_version"] = 2
    back = Conversation.from_dict(data)
    assert [m.content for m in back.messages] == ["hi", "Hello!"]
    new_keys = {
        "tool_calls",
        "tool_call_id",
        "attachments",
        "reasoning",
        "logprobs",
        "structured",
        "refusal",
        "finish_reason",
        "label",
        "cost_reported",
    }
    assert not set(back.messages[1].to_dict()) & new_keys
    assert back.to_dict()["schema_version"] == 3
