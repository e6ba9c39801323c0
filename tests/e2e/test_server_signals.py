"""What a server says beside the text, through the real app and the real ``openai`` SDK:
why a reply ended (``finish_reason``), and failed prompts kept out of later requests."""

from __future__ import annotations

from pathlib import Path

from gpt_tui.core.domain.message import Message, MessageStatus
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_status, reply_text, screen_of, type_and_send, wait_idle
from tests.ui.test_message_actions import bar_of, highlight

KEY = "sk-signals-SECRET-0123456789abcdef"
CONFIG = "[provider]\nmax_retries = 0\ntimeout = 5.0\n"


def env_for(server: FakeOpenAIServer) -> dict[str, str]:
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}


async def test_a_reply_cut_off_at_max_tokens_is_marked_and_continues(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG + "[defaults]\nmax_tokens = 4\n")
    fake_server.queue(
        ScriptedReply(
            text="Once upon",
            finish_reason="length",
            usage={"prompt_tokens": 9, "completion_tokens": 4},
        ),
        ScriptedReply(text=" a time.", usage={"prompt_tokens": 12, "completion_tokens": 3}),
    )
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "tell a story")
        await wait_idle(pilot)
        reply = screen_of(app).conversation.messages[-1]
        assert reply.finish_reason == "length"
        assert reply.status is MessageStatus.COMPLETE
        status = reply_status(app)
        assert "cut off" in status and "m continues" in status
        assert "Cut off at max_tokens (4 tokens)" in status
        await highlight(app, pilot, 1)
        assert bar_of(app, reply.id).query(".-continue")
        await pilot.press("m")
        await wait_idle(pilot)
        assert reply_text(app) == "Once upon a time."
        assert reply.finish_reason == "stop"
        assert "cut off" not in reply_status(app).lower()
    body = fake_server.requests[1].body
    assert body is not None
    assert body["messages"][-1] == {"role": "assistant", "content": "Once upon"}
    saved = Message.from_dict(reply.to_dict())
    assert saved.finish_reason == "stop"


async def test_length_without_max_tokens_names_the_context_limit(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    fake_server.queue(ScriptedReply(text="All the room there was", finish_reason="length"))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "fill it")
        await wait_idle(pilot)
        assert "Cut off at the context limit" in reply_status(app)


async def test_content_filter_is_marked_and_not_offered_to_continue(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    fake_server.queue(ScriptedReply(text="I can", finish_reason="content_filter"))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "something")
        await wait_idle(pilot)
        reply = screen_of(app).conversation.messages[-1]
        assert reply.finish_reason == "content_filter"
        assert "content filter" in reply_status(app)
        await highlight(app, pilot, 1)
        assert not bar_of(app, reply.id).query(".-continue")


async def test_failed_prompts_are_not_sent_again_and_retry_does_not_stack(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    fake_server.queue(
        ScriptedReply(status=401),
        ScriptedReply(status=401),
        ScriptedReply(status=400, error_body='{"error": {"message": "context length exceeded"}}'),
        ScriptedReply(text="Short answer."),
    )
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "first")
        await wait_idle(pilot)
        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        conversation = screen_of(app).conversation
        assert [m.role for m in conversation.messages] == ["user", "assistant"]
        assert len(app.screen.query(".reply.-error")) == 1
        await type_and_send(app, pilot, "x " * 50)
        await wait_idle(pilot)
        status = reply_status(app)
        assert "too long" in status and "history sent" in status and "(e)" in status
        await type_and_send(app, pilot, "short")
        await wait_idle(pilot)
        assert reply_text(app) == "Short answer."
    last = fake_server.requests[-1].body
    assert last is not None
    assert last["messages"] == [{"role": "user", "content": "short"}]
