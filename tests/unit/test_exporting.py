"""Tests for exporting conversations: Markdown that reads in a pager, lossless JSON, file names."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import ErrorInfo, Message, MessageStatus, Timing, Usage
from gpt_tui.core.interchange.exporting import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    clean_text,
    export_filename,
    markdown_filename,
    to_json,
    to_json_all,
    to_markdown,
)

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def full_conversation(conversation_id: str = "c0ffee0012345678") -> Conversation:
    """A conversation with every field set: parameters, usage, cost, timing, errors, every
    status, CJK and emoji, a system prompt and a context strategy."""
    return Conversation(
        id=conversation_id,
        title="周报 ✨ Weekly *report*",
        created_at=T0,
        updated_at=T0 + timedelta(minutes=9),
        params=Params(
            model="gpt-4o-mini",
            temperature=0.7,
            top_p=0.9,
            max_tokens=1024,
            system_prompt="你是一个助手。\n\nBe brief.",
            context="last_turns",
            context_turns=3,
        ),
        messages=[
            Message(role="user", content="总结一下 🙂\n# 不是标题\n## You", id="m1", created_at=T0),
            Message(
                role="assistant",
                content="好的：\n\n- 一\n- 二",
                id="m2",
                created_at=T0 + timedelta(seconds=4),
                model="gpt-4o-mini",
                usage=Usage(1200, 345, cached_tokens=1000, reasoning_tokens=100),
                cost=Decimal("0.00123"),
                timing=Timing(0.4, 3.21),
            ),
            Message(role="user", content="写代码\x1b[31m red\x07", id="m3", created_at=T0),
            Message(
                role="assistant",
                content="```python\nprint('hi')",
                id="m4",
                created_at=T0,
                model="gpt-4o",
                status=MessageStatus.STOPPED,
                usage=Usage(50, 5, estimated=True),
                timing=Timing(None, 1.0),
            ),
            Message(
                role="assistant",
                content="",
                id="m5",
                created_at=T0,
                status=MessageStatus.ERROR,
                error=ErrorInfo(
                    "The server rejected the API key (HTTP 401)",
                    "Check OPENAI_API_KEY or press F4.",
                    401,
                    "req_123",
                ),
            ),
            Message(
                role="assistant",
                content="Partial",
                id="m6",
                created_at=T0,
                status=MessageStatus.INTERRUPTED,
            ),
        ],
    )


def small_conversation() -> Conversation:
    return Conversation(
        id="abc123",
        title="Hello",
        created_at=T0,
        updated_at=T0,
        params=Params(model="gpt-4o-mini"),
        messages=[
            Message(role="user", content="Hi!", id="u", created_at=T0),
            Message(
                role="assistant",
                content="Hello! How can I help?",
                id="a",
                created_at=T0,
                usage=Usage(9, 12),
                cost=Decimal("0.0000086"),
            ),
        ],
    )


# --- Markdown ------------------------------------------------------------------------------


def test_markdown_of_a_small_conversation_is_exactly_this() -> None:
    assert to_markdown(small_conversation()) == (
        "# Hello\n"
        "\n"
        "- **Model:** gpt-4o-mini\n"
        "- **Created:** 2026-01-02 03:04 UTC · **Updated:** 2026-01-02 03:04 UTC\n"
        "- **Messages:** 2 · **Tokens:** 21 · **Cost:** $0.0000086\n"
        "\n"
        "---\n"
        "\n"
        "## You\n"
        "\n"
        "Hi!\n"
        "\n"
        "---\n"
        "\n"
        "## Assistant (gpt-4o-mini)\n"
        "\n"
        "Hello! How can I help?\n"
        "\n"
        "*9 prompt + 12 completion tokens · $0.0000086*\n"
    )


def test_markdown_header_block_names_every_setting_that_is_set() -> None:
    text = to_markdown(full_conversation())
    header = text.split("\n---\n", 1)[0]
    assert header.startswith("# 周报 ✨ Weekly \\*report\\*\n\n")
    assert "- **Model:** gpt-4o-mini\n" in header
    assert "- **Parameters:** temperature 0.7 · top_p 0.9 · max_tokens 1,024\n" in header
    assert "- **History sent:** last 3 turns\n" in header
    assert "- **Created:** 2026-01-02 03:04 UTC · **Updated:** 2026-01-02 03:13 UTC\n" in header
    # 1,545 + 55 tokens, one of them estimated; one reply has no price.
    assert (
        "- **Messages:** 6 · **Tokens:** ≈1,600 · **Cost:** $0.0012 (+ 1 reply of unknown price)"
        in header
    )
    assert "> **System prompt**\n>\n> 你是一个助手。\n>\n> Be brief.\n" in header


def test_markdown_messages_have_headings_markers_and_cost_lines() -> None:
    text = to_markdown(full_conversation())
    assert text.count("\n---\n\n## You\n") == 2
    assert "\n## Assistant (gpt-4o-mini)\n\n好的：\n\n- 一\n- 二\n" in text
    assert "\n## Assistant (gpt-4o)\n" in text  # the reply's own model wins
    assert (
        "*1,200 prompt + 345 completion tokens (1,000 cached, 100 reasoning) · $0.0012 · 3.2 s*"
        in text
    )
    assert "**Stopped: you stopped this reply; the text above is incomplete.**" in text
    assert "*≈50 prompt + ≈5 completion tokens · price unknown · 1.0 s*" in text
    assert (
        "**Failed:** The server rejected the API key (HTTP 401) — Check OPENAI_API_KEY or "
        "press F4. (request id req_123)"
    ) in text
    assert "Partial\n\n**Interrupted: the stream broke; the text above is incomplete.**" in text


def test_every_message_starts_after_a_rule_so_headings_in_content_cannot_collide() -> None:
    conversation = full_conversation()
    text = to_markdown(conversation)
    # Our headings are the ones right after a rule; the "## You" inside the first prompt is not.
    ours = re.findall(r"\n---\n\n(## [^\n]+)\n", text)
    assert ours == [
        "## You",
        "## Assistant (gpt-4o-mini)",
        "## You",
        "## Assistant (gpt-4o)",
        "## Assistant (gpt-4o-mini)",
        "## Assistant (gpt-4o-mini)",
    ]
    # A rule always follows a blank line, so no line of content can become a setext heading.
    assert "\n---\n" not in text.replace("\n\n---\n", "")


def test_a_code_fence_left_open_by_a_stopped_reply_is_closed() -> None:
    text = to_markdown(full_conversation())
    assert "```python\nprint('hi')\n```\n\n**Stopped" in text
    open_fence = False
    for line in text.splitlines():
        if line.startswith("```"):
            open_fence = not open_fence
        if line.startswith("## "):
            assert not open_fence, f"{line!r} would render inside a code block"
    assert not open_fence


def test_fences_that_are_closed_or_nested_are_left_alone() -> None:
    conversation = small_conversation()
    content = "````md\n```python\nx = 1\n```\n````\n\n~~~\ncode\n~~~"
    conversation.messages[1].content = content
    assert f"\n\n{content}\n\n" in to_markdown(conversation)


def test_markdown_reads_in_a_pager_without_control_characters() -> None:
    conversation = full_conversation()
    conversation.title = "evil\x1b]0;pwned\x07 title\u202e"
    conversation.append(
        Message(role="user", content="line\r\nnext\x00\x85\x9b done\ttab", created_at=T0)
    )
    text = to_markdown(conversation)
    assert CONTROL.search(text) is None
    assert "\r" not in text
    assert text.startswith("# evil title\n")
    assert "写代码 red" in text  # the ANSI colour sequence went, the text stayed
    assert "line\nnext done\ttab" in text


def test_markdown_without_optional_settings_has_a_short_header() -> None:
    conversation = Conversation(
        id="x1",
        title="",
        created_at=T0,
        updated_at=T0,
        params=Params(model="llama3.2", context="fit"),
        messages=[Message(role="user", content="hi", created_at=T0)],
    )
    text = to_markdown(conversation)
    assert text.startswith("# Untitled conversation\n\n- **Model:** llama3.2\n")
    assert "Parameters" not in text
    assert "- **History sent:** what fits the context window\n" in text
    assert "- **Messages:** 1\n" in text  # no usage: no tokens, no cost
    assert "System prompt" not in text


def test_unpriced_usage_shows_an_unknown_cost_never_zero() -> None:
    conversation = small_conversation()
    conversation.messages[1].cost = None
    text = to_markdown(conversation)
    assert "**Cost:** —" in text
    assert "$0" not in text


# --- JSON ----------------------------------------------------------------------------------


def test_json_export_is_the_envelope_around_to_dict() -> None:
    conversation = full_conversation()
    text = to_json(conversation)
    data = json.loads(text)
    assert data == {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "conversation": conversation.to_dict(),
    }
    assert "周报" in text  # readable UTF-8, not \\u escapes
    assert text.endswith("}\n")


def test_json_all_holds_every_conversation_in_order() -> None:
    first, second = full_conversation("one"), small_conversation()
    data = json.loads(to_json_all([first, second]))
    assert data["format"] == "gpt-tui"
    assert data["version"] == 1
    assert data["conversations"] == [first.to_dict(), second.to_dict()]
    assert json.loads(to_json_all([]))["conversations"] == []


def test_exports_never_contain_an_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-123456")
    conversation = full_conversation()
    for text in (to_markdown(conversation), to_json(conversation)):
        assert "sk-secret" not in text
        assert "api_key" not in text


# --- file names ----------------------------------------------------------------------------


def test_markdown_filename_keeps_cjk_and_adds_the_id() -> None:
    assert markdown_filename(full_conversation()) == "周报-✨-Weekly-report-c0ffee0012345678.md"
    assert export_filename(small_conversation(), "json") == "Hello-abc123.json"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("../../etc/passwd", "etc-passwd-id1.md"),
        ('a\\b:c*d?e"f<g>h|i', "a-b-c-d-e-f-g-h-i-id1.md"),
        ("...hidden", "hidden-id1.md"),
        ("line\nbreak\ttab\x1b[1mbold", "line-break-tabbold-id1.md"),
        ("", "conversation-id1.md"),
        ("///", "conversation-id1.md"),
    ],
)
def test_markdown_filename_is_safe(title: str, expected: str) -> None:
    conversation = Conversation(params=Params(model="m"), id="id1", title=title)
    assert markdown_filename(conversation) == expected


def test_markdown_filename_is_limited_in_characters_and_bytes() -> None:
    conversation = Conversation(params=Params(model="m"), id="0123456789abcdef", title="长" * 300)
    name = markdown_filename(conversation)
    assert name.endswith("-0123456789abcdef.md")
    assert len(name.encode("utf-8")) <= 255
    assert name.startswith("长" * 10)
    latin = Conversation(params=Params(model="m"), id="id", title="word " * 100)
    assert len(markdown_filename(latin)) <= 60 + len("-id.md")


def test_clean_text_keeps_newlines_and_tabs() -> None:
    assert clean_text("a\tb\r\nc\rd\x1b[0me\x00") == "a\tb\nc\nde"
