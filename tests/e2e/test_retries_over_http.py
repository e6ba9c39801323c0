"""Retries are visible: through the real app and SDK against the loopback server."""

from __future__ import annotations

from email.utils import formatdate
from pathlib import Path
from time import monotonic, time

import pytest

from gpt_tui.core.domain.message import MessageStatus
from gpt_tui.ui.app import GptTuiApp
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_status, reply_text, screen_of, type_and_send, wait_idle

KEY = "sk-retries-SECRET-0123456789abcdef"


def env_for(server: FakeOpenAIServer) -> dict[str, str]:
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}


def status_line(app: GptTuiApp) -> str:
    return str(app.screen.query_one("#status-line").render())


async def test_a_500_is_retried_visibly_and_noted_on_the_reply(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, "[provider]\nmax_retries = 2\ntimeout = 5.0\n")
    fake_server.queue(
        ScriptedReply(status=500, headers={"retry-after-ms": "1500"}),
        ScriptedReply(text="Made it."),
    )
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")
        seen = ""
        for _ in range(500):  # a loaded machine may take seconds to send the first request
            await pilot.pause(0.02)
            seen = status_line(app)
            if "retrying" in seen:
                break
        assert "retrying (1 of 2) after HTTP 500…" in seen
        await wait_idle(pilot)
        assert reply_text(app) == "Made it."
        assert "Retried (1 of 2) after HTTP 500, 1.5 s later" in reply_status(app)
    assert len(fake_server.requests) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "1"},
        {"retry-after-ms": "1000"},
        {"llm_provider-retry-after": "1"},
        {"Retry-After": "HTTP-DATE"},
    ],
    ids=["seconds", "ms", "litellm", "http-date"],
)
async def test_the_wait_the_server_asks_for_is_honoured(
    headers: dict[str, str], tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, "[provider]\nmax_retries = 1\ntimeout = 5.0\n")
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        if headers.get("Retry-After") == "HTTP-DATE":  # whole seconds: 1 to 2 s from now
            headers = {"Retry-After": formatdate(time() + 2, usegmt=True)}
        fake_server.queue(ScriptedReply(status=429, headers=headers), ScriptedReply(text="ok"))
        started = monotonic()
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        assert monotonic() - started >= 0.9
        assert reply_text(app) == "ok"
        assert "Retried (1 of 1) after HTTP 429" in reply_status(app)
    assert len(fake_server.requests) == 2


async def test_a_long_wait_counts_down_and_esc_stops_it(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, "[provider]\nmax_retries = 1\ntimeout = 5.0\n")
    fake_server.queue(ScriptedReply(status=429, headers={"Retry-After": "30"}))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")
        seen = ""
        for _ in range(500):  # a loaded machine may take seconds to send the first request
            await pilot.pause(0.02)
            seen = status_line(app)
            if "retrying" in seen:
                break
        assert "retrying (1 of 1) after HTTP 429… 30 s" in seen
        assert "Esc stops" in seen
        await pilot.pause(1.2)
        later = status_line(app)
        assert "retrying (1 of 1) after HTTP 429…" in later
        assert int(later.split("… ")[1].split(" s")[0]) < 30  # it counts down
        await pilot.press("escape")
        await wait_idle(pilot)
        reply = screen_of(app).conversation.messages[-1]
        assert reply.status is MessageStatus.STOPPED
        assert "Retried (1 of 1) after HTTP 429" in reply_status(app)
    assert len(fake_server.requests) == 1


async def test_max_retries_zero_sends_once(tmp_path: Path, fake_server: FakeOpenAIServer) -> None:
    write_config(tmp_path, "[provider]\nmax_retries = 0\ntimeout = 5.0\n")
    fake_server.queue(ScriptedReply(status=503))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        assert "HTTP 503" in reply_status(app)
        assert "Retried" not in reply_status(app)
    assert len(fake_server.requests) == 1
