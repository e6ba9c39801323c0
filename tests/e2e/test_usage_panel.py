"""Live token usage, context and cost: the panel, the saved files and what the server got."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from textual.pilot import Pilot

from gpt_tui.core.planning.pricing import format_money
from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.widgets.chat_view import ReplyView, UserMessageView
from gpt_tui.ui.widgets.prompt_input import PromptInput
from gpt_tui.ui.widgets.usage_panel import UsagePanel
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import screen_of, type_and_send, wait_idle

KEY = "sk-usage-test-0123456789abcdef"
BASE = "[provider]\nmax_retries = 0\ntimeout = 5.0\n"


def env_for(server: FakeOpenAIServer) -> dict[str, str]:
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}


def panel_text(app: GptTuiApp) -> str:
    return str(app.screen.query_one(UsagePanel).render())


def line(app: GptTuiApp, label: str) -> str:
    """The panel row that starts with ``label`` (first match)."""
    for row in panel_text(app).splitlines():
        if row.strip().startswith(label):
            return row.strip()
    raise AssertionError(f"no {label!r} row in:\n{panel_text(app)}")


async def warm(app: GptTuiApp, pilot: Pilot[None]) -> None:
    """Wait until the encoder and price data are loaded (exact figures)."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_typing_updates_draft_and_next_request_exactly(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, BASE)
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await warm(app, pilot)
        assert line(app, "draft") == "draft       0 tok"
        empty_request = line(app, "prompt")
        app.screen.query_one(PromptInput).focus()
        await pilot.press(*"hello world")
        await pilot.pause()
        # "hello world" is 2 tokens in o200k_base; exact, so no "≈".
        assert line(app, "draft") == "draft       2 tok"
        assert line(app, "prompt") != empty_request
        assert "≈" not in line(app, "prompt")
        assert "128k" in panel_text(app)  # gpt-4o-mini's context window
        assert line(app, "max cost").startswith("max cost")
        assert "$" in line(app, "max cost")


async def test_reply_usage_and_cost_are_shown_saved_and_totalled(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, BASE)
    usage = {
        "prompt_tokens": 1000,
        "completion_tokens": 500,
        "total_tokens": 1500,
        "prompt_tokens_details": {"cached_tokens": 200},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }
    fake_server.queue(ScriptedReply(text="An answer.", usage=usage))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await warm(app, pilot)
        await type_and_send(app, pilot, "question")
        await wait_idle(pilot)
        text = panel_text(app)
        assert "1,000 (cached 200)" in text
        assert "500 (reasoning 0)" in text
        reply = screen_of(app).conversation.messages[-1]
        assert reply.cost is not None
        assert reply.cost > 0
        assert line(app, "cost") == f"cost        {format_money(reply.cost)}"
        assert "1.5k tok" in line(app, "this chat")
    saved = json.loads(
        next((tmp_path / "data" / "conversations").glob("*.json")).read_text(encoding="utf-8")
    )
    assert saved["messages"][-1]["usage"]["cached_tokens"] == 200
    assert Decimal(saved["messages"][-1]["cost"]) == reply.cost
    # Totals survive a restart.
    again = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini", warm_up=True)
    async with again.run_test(size=(160, 48)) as pilot:
        await warm(again, pilot)
        assert "1.5k tok" in line(again, "this chat")
        assert "1.5k tok" in line(again, "today")
        assert "1.5k tok" in line(again, "all time")


async def test_unknown_model_shows_a_dash_not_zero(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, BASE)
    app = make_app(tmp_path, env=env_for(fake_server), model="my-local-llm", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await warm(app, pilot)
        assert line(app, "max cost").endswith("—")
        assert "window ?" in line(app, "context")
        await type_and_send(app, pilot, "hi")
        await wait_idle(pilot)
        assert line(app, "cost").endswith("—")
        assert "$0" not in panel_text(app)


async def test_fit_strategy_dims_and_drops_exactly_the_oldest_turns(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    # A tiny model: 120-token window, 40 reserved for the reply.
    write_config(
        tmp_path,
        BASE
        + '[defaults]\nmax_tokens = 40\n[models."tiny"]\ncontext_window = 120\n'
        + "input_price = 1.0\noutput_price = 2.0\n",
    )
    long_answer = "word " * 20  # about 20 tokens per reply
    for _ in range(5):
        fake_server.queue(ScriptedReply(text=long_answer, usage=None))
    app = make_app(tmp_path, env=env_for(fake_server), model="tiny", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await warm(app, pilot)
        screen = screen_of(app)
        screen.query_one("#param-context").value = "fit"  # type: ignore[attr-defined]
        await pilot.pause()
        assert screen.conversation.params.context == "fit"
        for i in range(4):
            await type_and_send(app, pilot, f"question number {i}")
            await wait_idle(pilot)
        dimmed = {
            view.message_id
            for view in [*app.screen.query(UserMessageView), *app.screen.query(ReplyView)]
            if view.has_class("-excluded")
        }
        assert dimmed, "old turns should be dimmed when they no longer fit"
        conversation = screen.conversation
        first_turn = {m.id for m in conversation.messages[:2]}
        assert first_turn <= dimmed  # the oldest turn goes first
        # With a draft typed, what is not dimmed is exactly what the server will get.
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        prompt.text = "final question"
        await pilot.pause()
        views = [*app.screen.query(UserMessageView), *app.screen.query(ReplyView)]
        dimmed_now = {v.message_id for v in views if v.has_class("-excluded")}
        expected = [m.content for m in conversation.messages if m.id not in dimmed_now]
        await pilot.press("enter")
        await wait_idle(pilot)
        final_body = fake_server.requests[-1].body
        assert final_body is not None
        assert [m["content"] for m in final_body["messages"]] == [*expected, "final question"]
    sent = [m["content"] for m in final_body["messages"]]
    assert "question number 0" not in sent  # the oldest turns were dropped …
    assert sent[-3:-1] == ["question number 3", long_answer]  # … the newest kept


async def test_request_that_cannot_fit_is_refused_and_the_draft_kept(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(
        tmp_path, BASE + '[defaults]\nmax_tokens = 50\n[models."tiny"]\ncontext_window = 60\n'
    )
    app = make_app(tmp_path, env=env_for(fake_server), model="tiny", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await warm(app, pilot)
        prompt = app.screen.query_one(PromptInput)
        await type_and_send(app, pilot, "please " * 30)
        await pilot.pause()
        assert prompt.text == "please " * 30
        assert "over by" in panel_text(app)
        messages = [n.message for n in app._notifications]
        assert any("over the context window" in m for m in messages), messages
    chat = [r for r in fake_server.requests if r.path.endswith("/chat/completions")]
    assert chat == []  # (GET /models for the model picker is fine)
