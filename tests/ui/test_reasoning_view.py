"""The reasoning section while it streams: a clock, the text open; folded once the answer
starts; a reply without reasoning says so when asked to unfold."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Static

from gpt_tui.core.providers.base import ReasoningDelta, StreamEvent
from gpt_tui.ui.widgets.chat_view import ReplyView
from gpt_tui.ui.widgets.message_list import MessageList
from gpt_tui.ui.widgets.reasoning_view import ReasoningView
from tests.fakes import RecordingProvider, Script, make_app
from tests.ui.helpers import type_and_send, wait_idle

REMOTE = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}


def thinking(view: ReasoningView) -> bool:
    return view.thinking


def summary(view: ReasoningView) -> str:
    return str(view.query_one(".reasoning-summary").render())


async def test_thinking_streams_open_then_folds(tmp_path: Path) -> None:
    gate = asyncio.Event()
    pieces: list[str | StreamEvent] = [
        ReasoningDelta("Weighing "),
        ReasoningDelta("options."),
        "Done.",
    ]
    provider = RecordingProvider([Script(pieces, gate=gate)])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="deepseek-reasoner")
    async with app.run_test(size=(140, 40)) as pilot:
        await type_and_send(app, pilot, "think")
        for _ in range(50):
            await pilot.pause(0.02)
            if app.screen.query(ReasoningView):
                break
        view = app.screen.query_one(ReasoningView)
        assert thinking(view)
        assert summary(view).startswith("◌ thinking… ")
        assert view.query_one(".reasoning-body").styles.display == "block"
        gate.set()
        await wait_idle(pilot)
        assert not thinking(view)
        assert view.folded
        assert summary(view).startswith("▸ Thought for ")
        reply = app.screen.query(ReplyView).last()
        assert reply.body.source == "Done."


async def test_a_reply_without_reasoning_says_so(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["Plain answer."])])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await type_and_send(app, pilot, "hi")
        await wait_idle(pilot)
        assert not app.screen.query(ReasoningView)
        app.screen.query_one(MessageList).focus()
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]  # pyright: ignore[reportPrivateUsage]
        assert "This message has no reasoning." in messages
        assert app.screen.query(Static)  # still on the chat
