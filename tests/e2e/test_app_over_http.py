"""The real app and the real ``openai`` SDK against a loopback OpenAI-compatible server."""

from __future__ import annotations

import json
from pathlib import Path

from gpt_tui.core.domain.message import MessageStatus
from gpt_tui.ui.widgets.chat_view import ReplyView
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_status, reply_text, screen_of, type_and_send, wait_idle

KEY = "sk-e2e-SECRET-0123456789abcdef"
FAST_FAILING = "[provider]\nmax_retries = 0\ntimeout = 5.0\n"


def env_for(server: FakeOpenAIServer) -> dict[str, str]:
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}


async def test_request_carries_params_history_and_usage_is_kept(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    defaults = 'temperature = 0.2\ntop_p = 0.9\nmax_tokens = 300\nsystem_prompt = "Be terse."\n'
    write_config(tmp_path, FAST_FAILING + "[defaults]\n" + defaults)
    fake_server.queue(
        ScriptedReply(text="# Title\n\n```python\nprint('hi')\n```\n", chunk_size=5),
        ScriptedReply(text="第二个回答 ✅", chunk_size=2),
    )
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "first")
        await wait_idle(pilot)
        assert reply_text(app) == "# Title\n\n```python\nprint('hi')\n```\n"
        await type_and_send(app, pilot, "second")
        await wait_idle(pilot)
        assert reply_text(app) == "第二个回答 ✅"
        conversation = screen_of(app).conversation
        assert conversation.messages[-1].status is MessageStatus.COMPLETE
        usage = conversation.messages[-1].usage
        assert usage is not None
        assert usage.prompt_tokens == 11
        assert usage.completion_tokens > 0
    _, second = fake_server.requests
    assert second.path == "/v1/chat/completions"
    assert second.headers["authorization"] == f"Bearer {KEY}"
    body = second.body
    assert body is not None
    assert body["model"] == "gpt-4o-mini"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.2
    assert body["top_p"] == 0.9
    assert body["max_tokens"] == 300
    assert body["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "# Title\n\n```python\nprint('hi')\n```\n"},
        {"role": "user", "content": "second"},
    ]
    saved = json.loads(
        next((tmp_path / "data" / "conversations").glob("*.json")).read_text(encoding="utf-8")
    )
    assert saved["messages"][-1]["usage"]["prompt_tokens"] == 11


async def test_unset_parameters_are_not_sent(tmp_path: Path, fake_server: FakeOpenAIServer) -> None:
    write_config(tmp_path, FAST_FAILING)
    app = make_app(tmp_path, env=env_for(fake_server), model="local-model")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
    [request] = fake_server.requests
    assert request.body is not None
    assert not {"temperature", "top_p", "max_tokens"} & set(request.body)
    assert request.body["messages"] == [{"role": "user", "content": "hello"}]


async def test_rejected_key_is_explained_inline_without_the_key(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, FAST_FAILING)
    fake_server.queue(ScriptedReply(status=401, headers={"x-request-id": "req_abc123"}))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        status = reply_status(app)
        assert "rejected the API key (HTTP 401)" in status
        assert "OPENAI_API_KEY" in status
        assert "req_abc123" in status
        assert KEY not in status
        assert app.screen.query(ReplyView).last().has_class("-error")
        # The prompt is kept, and a second try goes through.
        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        assert reply_text(app) == "Hello from the test server."
        # The failed box is replaced by the new reply (no "failed" box piles up).
        roles = [m.role for m in screen_of(app).conversation.messages]
        assert roles == ["user", "assistant"]
        assert len(app.screen.query(ReplyView)) == 1
    assert len(fake_server.requests) == 2


async def test_connection_drop_mid_stream_keeps_partial_reply(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, FAST_FAILING)
    fake_server.queue(ScriptedReply(text="abcdefghijklmnop", chunk_size=4, drop_after_chunks=2))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        reply = screen_of(app).conversation.messages[-1]
        assert reply.status is MessageStatus.INTERRUPTED
        assert reply.content == "abcdefgh"
        assert "interrupted" in reply_status(app)


async def test_unreachable_server_names_the_cause(tmp_path: Path) -> None:
    write_config(tmp_path, FAST_FAILING)
    with FakeOpenAIServer() as server:
        url = server.base_url
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "anyone?")
        await wait_idle(pilot)
        status = reply_status(app)
        assert "Could not connect" in status
        assert "connection refused" in status
        assert screen_of(app).conversation.messages[0].content == "anyone?"


async def test_malformed_stream_is_reported(tmp_path: Path, fake_server: FakeOpenAIServer) -> None:
    write_config(tmp_path, FAST_FAILING)
    fake_server.queue(ScriptedReply(text="abcdefgh", chunk_size=4, malformed_after_chunks=1))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        assert "malformed stream" in reply_status(app)
        assert screen_of(app).conversation.messages[-1].content == "abcd"


async def test_log_records_the_turn_but_not_its_text_or_key(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    import logging

    from gpt_tui import logs

    log_file = tmp_path / "logs" / "gpt-tui.log"
    logger = logging.getLogger(logs.LOGGER)
    before = list(logger.handlers)
    logs.configure(log_file, debug=True, secrets=[KEY])
    try:
        write_config(tmp_path, FAST_FAILING)
        fake_server.queue(ScriptedReply(status=401, headers={"x-request-id": "req_log_1"}))
        app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
        async with app.run_test(size=(160, 48)) as pilot:
            await type_and_send(app, pilot, "my private question")
            await wait_idle(pilot)
    finally:
        for handler in logger.handlers[len(before) :]:
            handler.close()
            logger.removeHandler(handler)
    text = log_file.read_text(encoding="utf-8")
    assert "turn started" in text
    assert "status=error" in text
    assert "request_id=req_log_1" in text
    assert "my private question" not in text
    assert KEY not in text
