"""Context windows learned from the server, through the real app and SDK: shown in the
panel "(from server)", kept in the data folder, overridden by config.toml, and used to
refuse an over-long prompt before it is sent (the draft stays)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.e2e.test_usage_panel import panel_text
from tests.fake_server import FakeOpenAIServer
from tests.fakes import make_app, write_config
from tests.ui.helpers import screen_of

KEY = "sk-windows-test-0123456789abcdef"
BASE = "[provider]\nmax_retries = 0\ntimeout = 5.0\n"
LLAMA_MODELS = {"object": "list", "data": [{"id": "tiny-llama", "owned_by": "llamacpp"}]}
LLAMA_PROPS = {"default_generation_settings": {"n_ctx": 512}, "total_slots": 1}


def env_for(server: FakeOpenAIServer) -> dict[str, str]:
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}


def play_llama_server(server: FakeOpenAIServer) -> None:
    server.json_routes[("GET", "/v1/models")] = LLAMA_MODELS
    server.json_routes[("GET", "/props")] = LLAMA_PROPS


def read_cache(home: Path) -> dict[str, Any]:
    """The data folder's window cache, checked to be private (0600)."""
    [cache] = list(home.rglob("server_windows.json"))
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    data: dict[str, Any] = json.loads(cache.read_text(encoding="utf-8"))
    return data


async def settle(app: GptTuiApp, pilot: Pilot[None]) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_window_comes_from_the_server_and_refuses_a_long_prompt(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    play_llama_server(fake_server)
    write_config(tmp_path, BASE)
    app = make_app(tmp_path, env=env_for(fake_server), model="tiny-llama", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        assert "of 512\n" in panel_text(app) and "(from server)" in panel_text(app)
        prompt = app.screen.query_one(PromptInput)
        long_text = "word " * 700
        prompt.text = long_text
        prompt.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert prompt.text == long_text  # the draft stays
        assert not screen_of(app).conversation.messages
        assert "over the context window of 512" in " ".join(
            str(n.message) for n in app._notifications
        )
    chats = [r for r in fake_server.requests if r.path.endswith("/chat/completions")]
    assert chats == []
    saved = read_cache(tmp_path)
    assert saved["windows"][0] | {"url": None} == {
        "url": None,
        "model": "tiny-llama",
        "window": 512,
        "source": "llama.cpp /props (n_ctx)",
        "warning": None,
    }


async def test_config_overrides_the_server_and_the_cache_serves_the_next_launch(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    play_llama_server(fake_server)
    write_config(tmp_path, BASE)
    app = make_app(tmp_path, env=env_for(fake_server), model="tiny-llama", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        assert "of 512\n" in panel_text(app) and "(from server)" in panel_text(app)
    # Next launch: the server is no longer asked before the panel knows the window.
    fake_server.json_routes.clear()
    app = make_app(tmp_path, env=env_for(fake_server), model="tiny-llama", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        assert "of 512\n" in panel_text(app) and "(from server)" in panel_text(app)
    write_config(tmp_path, BASE + '[models."tiny-llama"]\ncontext_window = 2048\n')
    app = make_app(tmp_path, env=env_for(fake_server), model="tiny-llama", warm_up=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        text = panel_text(app)
        assert "of 2k" in text or "of 2,048" in text or "of 2.0k" in text, text
        assert "(from server)" not in text
