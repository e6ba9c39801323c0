"""Branches over HTTP: the real app and the real ``openai`` SDK against the loopback server."""

from __future__ import annotations

from pathlib import Path

from gpt_tui.ui.widgets.message_list import MessageList
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_text, screen_of, type_and_send, wait_idle

KEY = "sk-e2e-SECRET-0123456789abcdef"
CONFIG = '[provider]\nmax_retries = 0\ntimeout = 5.0\n[defaults]\nsystem_prompt = "Be terse."\n'


async def test_after_an_edit_the_server_gets_only_the_new_branch(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    fake_server.queue(
        ScriptedReply(text="Paris."),
        ScriptedReply(text="About 2.1 million."),
        ScriptedReply(text="About 3.6 million."),
        ScriptedReply(text="Berlin has many museums."),
    )
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with app.run_test(size=(140, 50)) as pilot:
        await type_and_send(app, pilot, "Capital of France?")
        await wait_idle(pilot)
        await type_and_send(app, pilot, "Population of Paris?")
        await wait_idle(pilot)
        # Edit the first prompt: the new branch starts from nothing.
        chat = app.screen.query_one(MessageList)
        chat.focus()
        await pilot.pause()
        for _ in range(3):
            await pilot.press("k")
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(PromptInput).text = "Population of Berlin?"
        await pilot.press("enter")
        await wait_idle(pilot)
        assert reply_text(app) == "About 3.6 million."
        await type_and_send(app, pilot, "And what to see there?")
        await wait_idle(pilot)
        conversation = screen_of(app).conversation
        assert len(conversation.messages) == 4
        assert len(conversation.tree) == 8
    third, fourth = (r.body for r in fake_server.requests[-2:])
    assert third is not None and fourth is not None
    assert third["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "Population of Berlin?"},
    ]
    assert fourth["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "Population of Berlin?"},
        {"role": "assistant", "content": "About 3.6 million."},
        {"role": "user", "content": "And what to see there?"},
    ]


async def test_continue_sends_the_partial_reply_last_and_appends_the_rest(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    fake_server.queue(
        ScriptedReply(text="One, two, ", drop_after_chunks=1, chunk_size=10),
        ScriptedReply(text="three."),
    )
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with app.run_test(size=(140, 50)) as pilot:
        await type_and_send(app, pilot, "Count to three")
        await wait_idle(pilot)
        assert reply_text(app) == "One, two, "  # the stream broke: interrupted
        app.screen.query_one(MessageList).focus()
        await pilot.pause()
        await pilot.press("m")
        await wait_idle(pilot)
        assert reply_text(app) == "One, two, three."
        reply = screen_of(app).conversation.messages[-1]
        assert reply.usage is not None and reply.usage.prompt_tokens > 0
    body = fake_server.requests[-1].body
    assert body is not None
    assert body["messages"][-1] == {"role": "assistant", "content": "One, two, "}
