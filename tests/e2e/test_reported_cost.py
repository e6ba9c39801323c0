"""A cost the server reports (LiteLLM's header, OpenRouter's ``usage.cost``) is used instead
of the computed price, over real HTTP through the openai SDK, and labelled as such."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from gpt_tui.core.providers.reported_cost import cost_from_headers, cost_from_usage
from gpt_tui.core.store.reply_log import COST_REPORTED, ReplyLog
from tests.e2e.test_usage_panel import BASE, env_for, panel_text, warm
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import screen_of, type_and_send, wait_idle

USAGE = {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}


@pytest.mark.parametrize(
    "reply",
    [
        ScriptedReply(text="Hi.", usage=USAGE, headers={"x-litellm-response-cost": "0.0123"}),
        ScriptedReply(text="Hi.", usage={**USAGE, "cost": 0.0123}),
    ],
    ids=["litellm-header", "openrouter-usage-cost"],
)
async def test_a_reported_cost_replaces_the_computed_one(
    tmp_path: Path, fake_server: FakeOpenAIServer, reply: ScriptedReply
) -> None:
    write_config(tmp_path, BASE)
    ReplyLog(tmp_path / "data" / "replies.jsonl").write_all([])
    fake_server.queue(reply)
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await warm(app, pilot)
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        answer = screen_of(app).conversation.messages[-1]
        # gpt-4o-mini's own price for these tokens would be $0.00045.
        assert answer.cost == Decimal("0.0123")
        assert answer.cost_reported
        assert "$0.012" in panel_text(app)
        assert "reported by the server" in panel_text(app)
        saved = json.loads(
            next((tmp_path / "data" / "conversations").glob("*.json")).read_text("utf-8")
        )
        assert saved["messages"][-1]["cost_reported"] is True
        [logged] = ReplyLog(tmp_path / "data" / "replies.jsonl").read() or []
        assert logged.cost == Decimal("0.0123") and logged.cost_source == COST_REPORTED


async def test_without_a_reported_cost_the_price_is_computed(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, BASE)
    fake_server.queue(ScriptedReply(text="Hi.", usage=USAGE))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await warm(app, pilot)
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        answer = screen_of(app).conversation.messages[-1]
        assert answer.cost is not None and not answer.cost_reported
        assert "reported by the server" not in panel_text(app)
        saved = next((tmp_path / "data" / "conversations").glob("*.json")).read_text("utf-8")
        assert "cost_reported" not in saved  # files of ordinary replies do not change


def test_only_real_amounts_count_as_reported() -> None:
    assert cost_from_headers({"x-litellm-response-cost": "0.5"}) == Decimal("0.5")
    for bad in ("", "nan", "-1", "0", "abc", "inf"):
        assert cost_from_headers({"x-litellm-response-cost": bad}) is None
    assert cost_from_headers({}) is None
    assert cost_from_usage({"cost": 0.01}) == Decimal("0.01")
    assert cost_from_usage({"cost": 0}) == Decimal(0)  # a free model really is free
    for bad_value in (None, True, "x", -2, float("nan"), [1]):
        assert cost_from_usage({"cost": bad_value}) is None
