"""Every playground parameter set in the panel reaches the server, through the real SDK;
presets and the request-as-code screen, driven through the real app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Select

from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.screens.dialogs import AskText
from gpt_tui.ui.screens.request_code import RequestCodeScreen
from tests.fake_server import FakeOpenAIServer
from tests.fakes import make_app, write_config
from tests.ui.helpers import screen_of, type_and_send, wait_idle

KEY = "sk-panel-0123456789abcdefghij"


def config_for(server: FakeOpenAIServer, extra: str = "") -> str:
    return f"""
[provider]
base_url = "{server.base_url}"
api_key = "{KEY}"
max_retries = 0
{extra}"""


def chat_bodies(server: FakeOpenAIServer) -> list[dict[str, Any]]:
    return [r.body for r in server.requests if r.path.endswith("/chat/completions") and r.body]


async def set_input(pilot: Pilot[None], field_id: str, value: str) -> None:
    field = pilot.app.screen.query_one(f"#{field_id}", Input)
    field.value = value
    await pilot.pause()


async def open_advanced(pilot: Pilot[None]) -> None:
    pilot.app.screen.query_one("#advanced").collapsed = False  # type: ignore[attr-defined]
    await pilot.pause()


async def test_every_parameter_set_in_the_panel_is_sent(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, config_for(fake_server))
    app = make_app(tmp_path, model="gpt-4o")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await open_advanced(pilot)
        await set_input(pilot, "param-temperature", "0.4")
        await set_input(pilot, "param-presence_penalty", "0.5")
        await set_input(pilot, "param-frequency_penalty", "-1.25")
        await set_input(pilot, "param-seed", "1234")
        await set_input(pilot, "param-stop", "\\n\\n | END")
        app.screen.query_one("#param-response_format", Select).value = "json_object"
        await pilot.pause()
        effort = app.screen.query_one("#param-reasoning_effort", Select)
        assert effort.disabled
        assert "only reasoning models" in str(
            app.screen.query_one("#note-reasoning_effort").render()
        )
        await type_and_send(app, pilot, "answer in JSON")
        await wait_idle(pilot)
        saved = screen_of(app).conversation.params
    (body,) = chat_bodies(fake_server)
    assert body["temperature"] == 0.4
    assert body["presence_penalty"] == 0.5
    assert body["frequency_penalty"] == -1.25
    assert body["seed"] == 1234
    assert body["stop"] == ["\n\n", "END"]
    assert body["response_format"] == {"type": "json_object"}
    assert "reasoning_effort" not in body
    stored = json.loads(
        next((tmp_path / "data" / "conversations").glob("*.json")).read_text("utf-8")
    )
    assert stored["params"]["stop"] == ["\n\n", "END"]
    assert stored["params"]["seed"] == 1234
    assert saved.extra.response_format == "json_object"


async def test_a_reasoning_model_gets_effort_and_completion_tokens_only(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, config_for(fake_server))
    app = make_app(tmp_path, model="gpt-4o")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await open_advanced(pilot)
        await set_input(pilot, "param-temperature", "0.4")
        await set_input(pilot, "param-presence_penalty", "1")
        await set_input(pilot, "param-max_tokens", "300")
        screen = app.screen
        assert not screen.query_one("#param-temperature").disabled
        await set_input(pilot, "param-model", "o3-mini")
        for name in ("temperature", "top_p", "presence_penalty", "frequency_penalty"):
            assert screen.query_one(f"#param-{name}").disabled, name
            assert "reasoning models" in str(screen.query_one(f"#note-{name}").render())
        effort = screen.query_one("#param-reasoning_effort", Select)
        assert not effort.disabled
        assert [value for _, value in effort._options if isinstance(value, str)] == [
            "low",
            "medium",
            "high",
        ]
        effort.value = "high"
        await pilot.pause()
        await type_and_send(app, pilot, "think hard")
        await wait_idle(pilot)
        # Back to a chat model: sampling comes back, effort is not offered.
        await set_input(pilot, "param-model", "gpt-4o")
        assert not screen.query_one("#param-temperature").disabled
        assert screen.query_one("#param-reasoning_effort").disabled
    (body,) = chat_bodies(fake_server)
    assert body["reasoning_effort"] == "high"
    assert body["max_completion_tokens"] == 300
    for absent in ("temperature", "top_p", "presence_penalty", "frequency_penalty", "max_tokens"):
        assert absent not in body
    assert body["messages"][0]["role"] == "user"


async def test_an_invalid_stop_keeps_the_draft_and_sends_nothing(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, config_for(fake_server))
    app = make_app(tmp_path, model="gpt-4o")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await open_advanced(pilot)
        await set_input(pilot, "param-stop", "a | b | c | d | e")
        error = app.screen.query_one("#error-stop")
        assert error.display
        assert "at most 4" in str(error.render())
        await type_and_send(app, pilot, "keep me")
        await pilot.pause()
        assert app.screen.query_one("#prompt").text == "keep me"  # type: ignore[attr-defined]
    assert chat_bodies(fake_server) == []


async def save_preset_named(app: GptTuiApp, pilot: Pilot[None], name: str) -> None:
    screen_of(app).action_save_preset()
    await pilot.pause()
    assert isinstance(app.screen, AskText)
    app.screen.query_one(Input).value = name
    await pilot.press("enter")
    await pilot.pause()


async def test_presets_apply_from_the_panel_and_save_to_presets_toml(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    config = write_config(
        tmp_path,
        config_for(
            fake_server,
            """
# a comment that must survive
[presets.pirate]
system_prompt = "Talk like a pirate."
temperature = 1.1
stop = ["Arr"]
""",
        ),
    )
    before = config.read_text("utf-8")
    app = make_app(tmp_path, model="gpt-4o")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        presets = app.screen.query_one("#param-preset", Select)
        assert presets.display
        presets.value = "pirate"
        await pilot.pause()
        params = screen_of(app).conversation.params
        assert params.system_prompt == "Talk like a pirate."
        assert app.screen.query_one("#param-temperature", Input).value == "1.1"
        assert app.screen.query_one("#param-stop", Input).value == "Arr"
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        await set_input(pilot, "param-seed", "99")
        await save_preset_named(app, pilot, "pirate 2")
        await pilot.pause()
        assert [v for _, v in presets._options if isinstance(v, str)] == ["pirate", "pirate 2"]
        await save_preset_named(app, pilot, "pirate")  # hand-written: refused
    (body,) = chat_bodies(fake_server)
    assert body["messages"][0] == {"role": "system", "content": "Talk like a pirate."}
    assert body["temperature"] == 1.1
    assert body["stop"] == ["Arr"]
    assert config.read_text("utf-8") == before
    saved = (config.parent / "presets.toml").read_text("utf-8")
    assert '[presets."pirate 2"]' in saved
    assert "seed = 99" in saved
    assert "[presets.pirate]\n" not in saved


async def test_new_chat_from_a_preset_by_the_palette_action(tmp_path: Path) -> None:
    write_config(tmp_path, '[presets.terse]\nsystem_prompt = "Be terse."\nmodel = "o3-mini"\n')
    state = tmp_path / "data" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text('{"setup_dismissed": true}', encoding="utf-8")
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await type_and_send(app, pilot, "first chat")
        await wait_idle(pilot)
        first = screen_of(app).conversation.id
        screen_of(app).new_chat_from_preset("terse")
        await pilot.pause()
        conversation = screen_of(app).conversation
        assert conversation.id != first
        assert conversation.params.model == "o3-mini"
        assert conversation.params.system_prompt == "Be terse."
        assert app.screen.query_one("#param-temperature").disabled


async def test_request_as_code_shows_the_next_request_without_the_key(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, config_for(fake_server))
    app = make_app(tmp_path, model="gpt-4o")
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await set_input(pilot, "param-seed", "5")
        prompt = app.screen.query_one("#prompt")
        prompt.text = "what is 2+2?"  # type: ignore[attr-defined]
        await pilot.press("f8")
        await pilot.pause()
        code_screen = app.screen
        assert isinstance(code_screen, RequestCodeScreen)
        assert code_screen.code.body["seed"] == 5
        assert code_screen.code.body["messages"] == [{"role": "user", "content": "what is 2+2?"}]
        assert fake_server.base_url in code_screen.code.python
        await pilot.press("c")
        await pilot.press("s")
        await pilot.pause()
        assert code_screen.shown == "curl"
        await pilot.press("c")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RequestCodeScreen)
    assert copied[0].startswith("import os")
    assert copied[1].startswith("# gpt-tui reads the key from config.toml")
    assert "curl -sS -N" in copied[1]
    assert all(KEY not in text for text in copied)
