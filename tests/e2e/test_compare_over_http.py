"""Compare over HTTP: the real app and the real ``openai`` SDK against the loopback server,
two columns streaming at the same time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gpt_tui.core.domain.message import MessageStatus
from gpt_tui.ui.screens.chat import ChatScreen
from gpt_tui.ui.screens.compare import CompareScreen
from gpt_tui.ui.widgets.compare_column import CompareColumn
from gpt_tui.ui.widgets.reply_body import ReplyBody
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import type_and_send, wait_idle

KEY = "sk-e2e-SECRET-0123456789abcdef"
CONFIG = """[provider]
max_retries = 0
timeout = 5.0

[[compare.columns]]
model = "gpt-4o-mini"
temperature = 0.2

[[compare.columns]]
model = "gpt-4.1-mini"
temperature = 1.2
"""


async def test_two_columns_stream_concurrently_each_with_its_parameters(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    # The first request's stream stops after two chunks and stays open: the other column
    # can only finish meanwhile if the two requests run at the same time.
    texts = ["alpha " * 12, "omega " * 12]
    fake_server.queue(
        ScriptedReply(text=texts[0], chunk_size=6, stall_after_chunks=2),
        ScriptedReply(text=texts[1], chunk_size=6, delay=0.01),
        ScriptedReply(text="Afterwards."),
    )
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await type_and_send(app, pilot, "Describe the sea.")
        columns = list(screen.query(CompareColumn))
        async with asyncio.timeout(15):
            while not any(c.reply and c.reply.status is MessageStatus.COMPLETE for c in columns):
                await asyncio.sleep(0.05)
        bodies = [r.body for r in fake_server.requests]
        by_model = {b["model"]: (b, texts[i]) for i, b in enumerate(bodies) if b}
        stalled = next(c for c in columns if c.params.model == bodies[0]["model"])  # type: ignore[index]
        reply = stalled.reply
        assert reply is not None and reply.status is MessageStatus.STREAMING
        stalled.focus()
        await pilot.press("s")
        await wait_idle(pilot)
        assert [c.reply.status for c in (stalled,) if c.reply] == [MessageStatus.STOPPED]
        assert stalled.query_one(ReplyBody).source == texts[0][:12]
        finished = next(c for c in columns if c is not stalled)
        assert finished.query_one(ReplyBody).source == texts[1]
        assert "tok/s" in finished.figures and "→" in finished.figures
        assert by_model["gpt-4o-mini"][0]["temperature"] == 0.2
        assert by_model["gpt-4.1-mini"][0]["temperature"] == 1.2
        for body, _text in by_model.values():
            assert body["messages"][-1] == {"role": "user", "content": "Describe the sea."}
        await pilot.press(str(finished.index + 1))
        await pilot.pause()
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        kept = chat.conversation.messages[-1]
        assert finished.reply is not None
        assert kept.content == texts[1] and kept.label == finished.reply.label
        # The next prompt goes on from the kept reply.
        await type_and_send(app, pilot, "And the sky?")
        await wait_idle(pilot)
    last = fake_server.requests[-1].body
    assert last is not None
    assert last["messages"][-3:] == [
        {"role": "user", "content": "Describe the sea."},
        {"role": "assistant", "content": texts[1]},
        {"role": "user", "content": "And the sky?"},
    ]
