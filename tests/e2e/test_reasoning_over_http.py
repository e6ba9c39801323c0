"""Reasoning over real HTTP through the real ``openai`` SDK: ``reasoning_content``,
``reasoning`` and inline ``<think>`` all become the folded section above a clean answer,
saved with the reply, and never sent back, copied, exported or searched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gpt_tui.core.interchange.exporting import to_markdown
from gpt_tui.ui.widgets.chat_view import ReplyView
from gpt_tui.ui.widgets.message_list import MessageList
from gpt_tui.ui.widgets.reasoning_view import ReasoningView
from tests.e2e.test_app_over_http import FAST_FAILING, env_for
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_text, screen_of, search_hits, type_and_send, wait_idle

USAGE = {
    "prompt_tokens": 11,
    "prompt_tokens_details": {"cached_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 412},
}


def summary_of(view: ReplyView) -> str:
    reasoning = view.reasoning
    assert reasoning is not None
    return str(reasoning.query_one(".reasoning-summary").render())


@pytest.mark.parametrize(
    "deltas",
    [
        [
            {"reasoning_content": "The user "},
            {"reasoning_content": "greets me."},
            {"content": "Hello "},
            {"content": "there!"},
        ],
        [
            {"reasoning": "The user "},
            {"reasoning": "greets me."},
            {"content": "Hello "},
            {"content": "there!"},
        ],
        [
            {"content": "<thi"},
            {"content": "nk>\nThe user "},
            {"content": "greets me.</th"},
            {"content": "ink>\n\nHello "},
            {"content": "there!"},
        ],
    ],
    ids=["reasoning_content", "reasoning", "think-tags"],
)
async def test_reasoning_is_folded_above_a_clean_answer(
    tmp_path: Path, fake_server: FakeOpenAIServer, deltas: list[dict[str, str]]
) -> None:
    write_config(tmp_path, FAST_FAILING)
    fake_server.queue(ScriptedReply(deltas=deltas, usage=USAGE), ScriptedReply(text="Second."))
    app = make_app(tmp_path, env=env_for(fake_server), model="deepseek-reasoner")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hi")
        await wait_idle(pilot)
        assert reply_text(app) == "Hello there!"
        view = app.screen.query(ReplyView).last()
        reasoning = view.query_one(ReasoningView)
        assert reasoning.folded
        assert summary_of(view).startswith("▸ Thought for ")
        assert summary_of(view).endswith(" s · 412 tokens")
        body = reasoning.query_one(".reasoning-body")
        assert body.styles.display == "none"
        chat = app.screen.query_one(MessageList)
        chat.focus()
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert not reasoning.has_class("-folded")
        assert summary_of(view).startswith("▾ Thought for ")
        assert body.styles.display == "block"
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == "Hello there!"
        reply = screen_of(app).conversation.messages[-1]
        assert reply.reasoning is not None
        assert reply.reasoning.text == "The user greets me."
        assert await search_hits(app, pilot, "greets") == []
        await type_and_send(app, pilot, "again")
        await wait_idle(pilot)
        markdown = to_markdown(screen_of(app).conversation)
    _, second = fake_server.requests
    assert second.body is not None
    assert second.body["messages"][1] == {"role": "assistant", "content": "Hello there!"}
    assert "greets" not in json.dumps(second.body)
    saved = json.loads(
        next((tmp_path / "data" / "conversations").glob("*.json")).read_text(encoding="utf-8")
    )
    assert saved["messages"][1]["content"] == "Hello there!"
    assert saved["messages"][1]["reasoning"]["text"] == "The user greets me."
    assert "<think>" not in json.dumps(saved)
    assert "<summary>Thought for " in markdown
    assert "The user greets me." in markdown
    assert "<think>" not in markdown
