"""Switching profiles in one session: each conversation remembers its own, keys stay apart."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Select

from gpt_tui.ui.chat.palette import chat_commands
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import run_palette_command, screen_of, type_and_send, wait_idle


def write_two_profiles(root: Path, office: FakeOpenAIServer, local: FakeOpenAIServer) -> None:
    """config.toml with the profiles "office" (the default) and "local", one per server."""
    write_config(
        root,
        f"""
default_profile = "office"
[profiles.office]
kind = "compatible"
base_url = "{office.base_url}"
api_key = "sk-office-000000000000000000"
max_retries = 0
[profiles.local]
kind = "compatible"
base_url = "{local.base_url}"
api_key = "sk-local-1111111111111111111"
max_retries = 0
models = ["llama3.2"]
""",
    )


async def test_switch_profile_from_the_panel(tmp_path: Path) -> None:
    with FakeOpenAIServer() as office, FakeOpenAIServer() as local:
        office.queue(ScriptedReply(text="from the office"))
        local.queue(ScriptedReply(text="from the laptop"))
        write_two_profiles(tmp_path, office, local)
        app = make_app(tmp_path, model="gpt-4o-mini", warm_up=True)
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            profile = app.screen.query_one("#param-profile", Select)
            assert profile.display
            assert profile.value == "office"
            await type_and_send(app, pilot, "first")
            await wait_idle(pilot)
            profile.value = "local"
            await pilot.pause()
            await app.workers.wait_for_complete()
            assert screen_of(app).conversation.params.profile == "local"
            assert "127.0.0.1" in str(app.screen.query_one("#provider-line").render())
            await type_and_send(app, pilot, "second")
            await wait_idle(pilot)
            assert screen_of(app).conversation.messages[-1].content == "from the laptop"
    chat_office = [r for r in office.requests if r.path.endswith("/chat/completions")]
    chat_local = [r for r in local.requests if r.path.endswith("/chat/completions")]
    assert len(chat_office) == 1
    assert len(chat_local) == 1
    assert all(
        r.headers["authorization"] == "Bearer sk-office-000000000000000000" for r in office.requests
    )
    assert all(
        r.headers["authorization"] == "Bearer sk-local-1111111111111111111" for r in local.requests
    )
    saved = json.loads(
        next((tmp_path / "data" / "conversations").glob("*.json")).read_text("utf-8")
    )
    assert saved["params"]["profile"] == "local"


async def test_switch_profile_from_the_command_palette(tmp_path: Path) -> None:
    with FakeOpenAIServer() as office, FakeOpenAIServer() as local:
        local.queue(ScriptedReply(text="from the laptop"))
        write_two_profiles(tmp_path, office, local)
        app = make_app(tmp_path, model="gpt-4o-mini")
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            titles = [c.title for c in chat_commands(screen_of(app))]
            assert {"Profile: office", "Profile: local"} <= set(titles)
            await run_palette_command(pilot, "Profile: local")
            await app.workers.wait_for_complete()
            assert screen_of(app).conversation.params.profile == "local"
            await type_and_send(app, pilot, "hello")
            await wait_idle(pilot)
            assert screen_of(app).conversation.messages[-1].content == "from the laptop"
    assert not [r for r in office.requests if r.path.endswith("/chat/completions")]
