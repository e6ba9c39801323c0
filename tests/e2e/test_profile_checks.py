"""Switching a conversation's profile checks its model against what the new profile
serves, and F4 describes the open conversation's own profile (not the default one)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select

from gpt_tui.ui.screens.dialogs import Choose, Confirm
from gpt_tui.ui.screens.setup import SetupScreen
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import screen_of, type_and_send, wait_idle

LLAMA_MODELS = {"object": "list", "data": [{"id": "tiny-llama", "owned_by": "llamacpp"}]}


def write_profiles(root: Path, proxy: FakeOpenAIServer, llama: FakeOpenAIServer) -> None:
    """ "llama" (the default, serving tiny-llama) and "proxy" (gpt-4o-mini, gpt-4o…)."""
    write_config(
        root,
        f"""
default_profile = "llama"
[profiles.llama]
kind = "compatible"
base_url = "{llama.base_url}"
api_key = "sk-llama-00000000000000000"
max_retries = 0
[profiles.proxy]
kind = "compatible"
base_url = "{proxy.base_url}"
api_key = "sk-proxy-1111111111111111111"
max_retries = 0
""",
    )


async def test_switching_to_a_profile_without_the_model_offers_its_models(
    tmp_path: Path,
) -> None:
    with FakeOpenAIServer() as proxy, FakeOpenAIServer() as llama:
        llama.json_routes[("GET", "/v1/models")] = LLAMA_MODELS
        write_profiles(tmp_path, proxy, llama)
        app = make_app(tmp_path, model="tiny-llama", warm_up=True)
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            assert not isinstance(app.screen, Choose)  # tiny-llama is served by "llama"
            app.screen.query_one("#param-profile", Select).value = "proxy"
            for _ in range(200):  # the profile's models are listed in the background
                await pilot.pause(0.05)
                if isinstance(app.screen, Choose):
                    break
            assert isinstance(app.screen, Choose)
            await pilot.press("1")
            await pilot.pause()
            params = screen_of(app).conversation.params
            assert (params.profile, params.model) == ("proxy", "gpt-4o")  # sorted: first
            await type_and_send(app, pilot, "hello")
            await wait_idle(pilot)
    [chat] = [r for r in proxy.requests if r.path.endswith("/chat/completions")]
    assert chat.body is not None and chat.body["model"] == "gpt-4o"


async def test_dismissing_the_choice_asks_before_sending(tmp_path: Path) -> None:
    with FakeOpenAIServer() as proxy, FakeOpenAIServer() as llama:
        llama.json_routes[("GET", "/v1/models")] = LLAMA_MODELS
        proxy.queue(ScriptedReply(status=400))
        write_profiles(tmp_path, proxy, llama)
        app = make_app(tmp_path, model="tiny-llama", warm_up=True)
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            app.screen.query_one("#param-profile", Select).value = "proxy"
            for _ in range(200):  # the profile's models are listed in the background
                await pilot.pause(0.05)
                if isinstance(app.screen, Choose):
                    break
            await pilot.press("escape")
            await pilot.pause()
            assert screen_of(app).conversation.params.model == "tiny-llama"
            await type_and_send(app, pilot, "hello")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            assert not [r for r in proxy.requests if r.path.endswith("/chat/completions")]
            await pilot.press("y")
            await wait_idle(pilot)
            assert screen_of(app).conversation.messages[0].content == "hello"
    assert len([r for r in proxy.requests if r.path.endswith("/chat/completions")]) == 1


async def test_f4_describes_the_open_conversations_profile(tmp_path: Path) -> None:
    with FakeOpenAIServer() as proxy, FakeOpenAIServer() as llama:
        write_profiles(tmp_path, proxy, llama)
        app = make_app(tmp_path, model="gpt-4o-mini", warm_up=True)
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            app.screen.query_one("#param-profile", Select).value = "proxy"
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.press("f4")
            await pilot.pause()
            assert isinstance(app.screen, SetupScreen)
            summary = str(app.screen.query_one("#setup-current").render())
            assert "'proxy'" in summary and proxy.base_url in summary
            assert llama.base_url not in summary
            assert "sk-proxy-1111111111111111111" not in summary
