"""Tests for importing conversations: gpt-tui's own JSON, ChatGPT exports, message lists and
role files, and every way such files come broken."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpt_tui.core.domain.conversation import Conversation
from gpt_tui.core.domain.message import MessageStatus
from gpt_tui.core.interchange.exporting import to_json, to_json_all
from gpt_tui.core.interchange.imported import IMPORTED_MODEL, ImportFailed, ImportResult
from gpt_tui.core.interchange.importing import import_data
from gpt_tui.core.store.conversations import is_valid_id
from tests.unit.test_exporting import full_conversation, small_conversation

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def load(name: str) -> ImportResult:
    return import_data((FIXTURES / name).read_bytes(), source=name, now=NOW)


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# --- gpt-tui's own format ------------------------------------------------------------------


def test_export_then_import_is_lossless() -> None:
    original = full_conversation()
    result = import_data(to_json(original), source="x.json", now=NOW)
    assert result.skipped == []
    assert result.format == "gpt-tui export"
    assert [c.to_dict() for c in result.conversations] == [original.to_dict()]
    imported = result.conversations[0]
    assert imported.id == original.id
    assert imported.messages[4].error is not None
    assert imported.messages[3].status is MessageStatus.STOPPED


def test_export_all_then_import_is_lossless_from_bytes() -> None:
    originals = [full_conversation("first"), small_conversation()]
    raw = to_json_all(originals).encode("utf-8")
    result = import_data(raw, source="all.json", now=NOW)
    assert [c.to_dict() for c in result.conversations] == [c.to_dict() for c in originals]
    assert result.message_count == 8


def test_a_bare_conversation_file_from_the_data_folder_imports_too() -> None:
    original = full_conversation()
    raw = json.dumps(original.to_dict(), ensure_ascii=False)
    result = import_data(raw, source="c0ffee0012345678.json", now=NOW)
    assert [c.to_dict() for c in result.conversations] == [original.to_dict()]


def test_a_partly_broken_gpt_tui_export_imports_what_is_valid() -> None:
    result = load("gpt_tui_partly_broken.json")
    assert result.skipped == [
        "conversation 2 ('Tool call'): messages[0].role: unknown role 'function'",
        "conversation 3 ('Hot'): params.temperature: expected int or float, got str",
        "conversation 4: expected an object, got string",
        "conversation 5 ('Nothing yet'): no messages",
    ]
    fine, odd = result.conversations
    assert fine.id == "good0001"
    assert [m.content for m in fine.messages] == ["hi", "hello"]
    assert odd.title == "Odd id"
    assert odd.id != "bad/../6"  # not a safe file name: replaced
    assert is_valid_id(odd.id)


def test_a_newer_export_version_is_refused() -> None:
    raw = json.dumps({"format": "gpt-tui", "version": 2, "conversations": []})
    with pytest.raises(ImportFailed, match="written by a newer gpt-tui"):
        import_data(raw, source="new.json", now=NOW)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"format": "other-app"}, "unknown export format 'other-app'"),
        ({"format": "gpt-tui", "version": "1"}, "'version' should be a whole number"),
        ({"format": "gpt-tui", "conversations": {}}, "'conversations' should be a list"),
        ({"format": "gpt-tui"}, "without 'conversation' or 'conversations'"),
    ],
)
def test_malformed_gpt_tui_envelopes_fail_clearly(document: object, message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        import_data(json.dumps(document), source="e.json", now=NOW)


# --- ChatGPT's data export -----------------------------------------------------------------


def test_chatgpt_export_follows_current_node_and_reports_what_it_left_out() -> None:
    result = load("chatgpt_conversations.json")
    assert result.format == "ChatGPT export"
    assert result.skipped == [
        "conversation 2 ('Cat photo'), message 1: 1 image left out (only text is imported)",
        "conversation 2 ('Cat photo'): 1 tool call left out (not supported)",
        "conversation 2 ('Cat photo'): 1 tool message left out (not supported)",
        "conversation 3 ('Untitled draft'): no messages",
    ]
    decorators, cat = result.conversations

    # The edited prompt (second branch) is the one current_node leads to.
    assert decorators.title == "Python 装饰器"
    assert [(m.role, m.content.split("\n")[0]) for m in decorators.messages] == [
        ("user", "用一个例子解释 Python 装饰器"),
        ("assistant", "装饰器接收一个函数并返回新函数："),
        ("user", "带参数的装饰器呢？"),
        ("assistant", "再包一层函数即可 🎁"),
    ]
    assert "```python\ndef log(f):" in decorators.messages[1].content
    # The branch the user edited away is there too, one step back at the first prompt.
    first = decorators.messages[0]
    assert decorators.tree.position(first.id) == (2, 2)
    [old_prompt] = [m for m in decorators.tree.siblings(first.id) if m.id != first.id]
    assert old_prompt.content == "什么是装饰器"
    assert [m.content for m in decorators.tree.subtree(old_prompt.id)] == [
        "什么是装饰器",
        "装饰器是一个函数。（这是被编辑掉的分支）",
    ]
    assert len(decorators.tree) == 6
    assert [m.model for m in decorators.messages] == [None, "gpt-4o-mini", None, "gpt-4o"]
    assert decorators.params.model == "gpt-4o"  # the latest reply's model
    assert decorators.params.system_prompt == ""
    assert decorators.created_at == at(1717000000.5)
    assert decorators.updated_at == at(1717000420.25)
    assert decorators.messages[0].created_at == at(1717000100.0)
    assert all(m.status is MessageStatus.COMPLETE for m in decorators.messages)

    assert [(m.role, m.content) for m in cat.messages] == [
        ("user", "What breed is this cat?"),
        ("assistant", "It looks like a **British Shorthair**."),
        ("user", "Draw it wearing a hat"),
        ("assistant", "Here is your cat in a hat."),
    ]
    assert decorators.id != cat.id


def chatgpt(mapping: dict[str, object], **extra: object) -> list[dict[str, object]]:
    return [{"title": "T", "create_time": 1700000000.0, "mapping": mapping, **extra}]


def node(node_id: str, parent: str | None, role: str, text: str, **meta: object) -> object:
    return {
        "id": node_id,
        "parent": parent,
        "children": [],
        "message": {
            "author": {"role": role},
            "content": {"content_type": "text", "parts": [text]},
            "create_time": 1700000000.0,
            "metadata": meta,
        },
    }


def test_chatgpt_without_current_node_takes_the_newest_leaf() -> None:
    root = {"id": "r", "parent": None, "children": ["u"], "message": None}
    mapping = {
        "r": root,
        "u": {**node("u", "r", "user", "Q"), "children": ["a1", "a2"]},  # type: ignore[dict-item]
        "a1": node("a1", "u", "assistant", "old answer"),
        "a2": node("a2", "u", "assistant", "new answer"),
    }
    mapping["a2"]["message"]["create_time"] = 1700000100.0  # type: ignore[index]
    result = import_data(json.dumps(chatgpt(mapping)), source="c.json", now=NOW)
    assert [m.content for m in result.conversations[0].messages] == ["Q", "new answer"]
    assert result.conversations[0].params.model == IMPORTED_MODEL


def test_chatgpt_times_out_of_range_fall_back_to_now() -> None:
    mapping = {"u": node("u", None, "user", "hi")}
    mapping["u"]["message"]["create_time"] = 10**400  # type: ignore[index]
    data = chatgpt(mapping, create_time=1e300, update_time=-(10**30))
    (conversation,) = import_data(json.dumps(data), source="c", now=NOW).conversations
    assert conversation.created_at == conversation.updated_at == NOW
    assert conversation.messages[0].created_at == NOW


def test_chatgpt_parent_loops_do_not_hang() -> None:
    mapping = {
        "a": node("a", "b", "user", "one"),
        "b": node("b", "a", "assistant", "two"),
    }
    result = import_data(json.dumps(chatgpt(mapping, current_node="a")), source="c", now=NOW)
    assert [m.content for m in result.conversations[0].messages] == ["two", "one"]


def test_chatgpt_hidden_and_untitled_and_broken_conversations() -> None:
    mapping = {
        "s": node("s", None, "system", "custom instructions"),
        "h": node("h", "s", "user", "hidden context", is_visually_hidden_from_conversation=True),
        "u": node("u", "h", "user", "What is 2+2?"),
        "a": node("a", "u", "assistant", "4", model_slug="o3-mini"),
    }
    data = [
        {"title": None, "mapping": mapping, "current_node": "a"},
        {"title": "No tree", "mapping": []},
        42,
    ]
    result = import_data(json.dumps(data), source="c.json", now=NOW)
    assert result.skipped == [
        "conversation 2 ('No tree'): 'mapping' should be an object, got list",
        "conversation 3: expected an object, got number",
    ]
    (conversation,) = result.conversations
    assert conversation.title == "What is 2+2?"  # from the first prompt
    assert [m.content for m in conversation.messages] == ["What is 2+2?", "4"]
    assert conversation.params.model == "o3-mini"
    assert conversation.created_at == NOW  # the data has no time


def test_a_single_chatgpt_conversation_object_imports() -> None:
    data = json.loads((FIXTURES / "chatgpt_conversations.json").read_text(encoding="utf-8"))
    result = import_data(json.dumps(data[0]), source="one.json", now=NOW)
    assert result.format == "ChatGPT conversation"
    assert len(result.conversations[0].messages) == 4


# --- message lists and role files ----------------------------------------------------------


def test_a_scripts_message_list_imports_with_its_system_prompt() -> None:
    result = load("messages_script.json")
    assert result.skipped == []
    assert result.format == "message list"
    (conversation,) = result.conversations
    assert conversation.params.model == IMPORTED_MODEL
    assert conversation.params.system_prompt == "You are a helpful assistant."
    assert conversation.title == "What is the biggest animal in the world?"
    assert [m.role for m in conversation.messages] == ["user", "assistant", "user", "assistant"]
    assert conversation.messages[3].content.startswith("Majestic and mighty,\nThe blue whale")
    assert conversation.created_at == conversation.updated_at == NOW
    assert len({m.id for m in conversation.messages}) == 4


def test_the_seed_role_file_becomes_a_conversation_ready_to_chat() -> None:
    result = load("role_engineer.json")
    assert result.skipped == []
    assert result.format == "role file"
    (conversation,) = result.conversations
    assert conversation.params.model == "gpt-3.5-turbo"
    assert conversation.params.system_prompt.startswith("You are an expert in coding")
    assert conversation.messages == ()
    assert conversation.title == "role_engineer"  # no prompt yet: the file's name


def test_a_role_file_with_history_keeps_model_and_valid_parameters() -> None:
    result = load("role_with_history.json")
    assert result.skipped == ["top_p 'high' ignored: expected a number from 0 to 1"]
    (conversation,) = result.conversations
    params = conversation.params
    assert (params.model, params.temperature, params.top_p, params.max_tokens) == (
        "gpt-3.5-turbo",
        0.5,
        None,
        512,
    )
    assert params.system_prompt == "你是一个中英文都很流利的翻译。"
    assert conversation.title == "把“开箱即用”翻译成英文"
    assert [m.model for m in conversation.messages] == [None, "gpt-3.5-turbo"] * 2


def test_mixed_valid_and_invalid_messages_import_the_valid_ones() -> None:
    result = load("messages_mixed.json")
    assert result.skipped == [
        "item 3: tool calls not supported",
        "item 4: role 'tool' not supported",
        "item 6: empty content",
        "item 7: role should be a string, got number",
        "item 8: no role",
        'item 9: expected an object with "role" and "content", got string',
        "item 10: content should be text, got number",
        "item 11: system message in the middle of the conversation not supported "
        "(only leading system messages become the system prompt)",
        "item 12: 1 image left out (only text is imported)",
    ]
    (conversation,) = result.conversations
    assert [m.content for m in conversation.messages] == [
        "今天天气怎么样？",
        "北京今天 21°C，晴。",
        "What is in this picture?",
        "A cat.",
    ]
    assert conversation.params.system_prompt == "You are a helpful assistant."


def test_developer_messages_count_as_system_prompt() -> None:
    raw = json.dumps(
        [{"role": "developer", "content": "Be terse."}, {"role": "user", "content": "hi"}]
    )
    (conversation,) = import_data(raw, source="d.json", now=NOW).conversations
    assert conversation.params.system_prompt == "Be terse."


def test_a_list_where_nothing_is_valid_imports_nothing_and_says_why() -> None:
    raw = json.dumps([{"role": "user", "content": ""}, {"role": "tool", "content": "x"}])
    result = import_data(raw, source="x.json", now=NOW)
    assert result.conversations == []
    assert result.skipped == [
        "item 1: empty content",
        "item 2: role 'tool' not supported",
        "no messages to import",
    ]


def test_a_role_file_with_bad_messages_field_fails() -> None:
    with pytest.raises(ImportFailed, match="'messages' should be a list"):
        import_data('{"model": "m", "messages": "hi"}', source="r.json", now=NOW)


# --- input that cannot be imported at all --------------------------------------------------


def test_truncated_json_fails_with_line_and_column() -> None:
    with pytest.raises(ImportFailed) as caught:
        load("truncated.json")
    assert str(caught.value) == (
        "truncated.json: not valid JSON: Expecting property name enclosed in double quotes "
        "at line 22, column 1"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "the file is empty"),
        (b"\xff\xfe\x00garbage", "not UTF-8 text"),
        (b"user: hello\n\nassistant: hi", "not valid JSON: Expecting value at line 1, column 1"),
        (b'[{"role": "user", "content": NaN}]', "NaN is not a valid JSON number"),
        (b"[" * 100_000, "not valid JSON"),
        (b'"just a string"', "a JSON string is not something gpt-tui can import; expected"),
        (b"[1, 2, 3]", "a JSON list of numbers is not something"),
        (b'{"hello": 1}', "a JSON object with keys 'hello' is not something"),
        (b'[{"id": 1, "text": "x"}]', "a JSON list of objects with keys 'id', 'text'"),
    ],
)
def test_input_that_is_not_importable_fails_clearly(raw: bytes, message: str) -> None:
    with pytest.raises(ImportFailed, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_data(raw, source="in.json", now=NOW)


def test_an_empty_list_imports_nothing_without_complaint() -> None:
    result = import_data("[]", source="empty.json", now=NOW)
    assert result.conversations == []


def test_a_utf8_bom_is_accepted() -> None:
    raw = "\ufeff" + json.dumps([{"role": "user", "content": "hi"}])
    assert len(import_data(raw.encode("utf-8"), source="b", now=NOW).conversations) == 1
    assert len(import_data(raw, source="b", now=NOW).conversations) == 1


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "role",
                    "content",
                    "mapping",
                    "messages",
                    "format",
                    "version",
                    "conversations",
                    "conversation",
                    "parts",
                    "parent",
                    "current_node",
                    "message",
                    "author",
                    "model",
                    "title",
                    "id",
                    "params",
                    "schema_version",
                    "type",
                    "text",
                    "create_time",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_either_imports_or_fails_with_import_failed(data: object) -> None:
    raw = json.dumps(data)
    try:
        result = import_data(raw, source="fuzz.json", now=NOW)
    except ImportFailed:
        return
    for conversation in result.conversations:
        assert isinstance(conversation, Conversation)
        assert is_valid_id(conversation.id)
        Conversation.from_dict(conversation.to_dict())  # what the store will write reads back
