"""First-run setup and config problems, driven through the real app."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

from textual.widgets import Input

from gpt_tui.ui.screens.setup import SetupScreen
from tests.fakes import RecordingProvider, Script, make_app, paths_in, write_config
from tests.ui.helpers import screen_of, type_and_send, wait_idle

KEY = "sk-setup-SECRET-abcdefghijklmnop"


async def test_pasting_a_key_saves_it_0600_and_switches_from_the_demo(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["real reply"])])
    app = make_app(tmp_path, provider=provider)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        app.screen.query_one("#setup-key", Input).value = KEY
        await pilot.click("#save-key")
        await pilot.pause()
        screen = screen_of(app)
        assert screen.conversation.params.model == "gpt-4o-mini"
        assert KEY not in str(screen.query_one("#provider-line").render())
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        assert screen.conversation.messages[-1].content == "real reply"
    config = paths_in(tmp_path).config_file
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert tomllib.loads(config.read_text(encoding="utf-8"))["provider"]["api_key"] == KEY
    assert provider.requests[0].model == "gpt-4o-mini"


async def test_f4_reopens_setup_and_a_local_server_url_is_saved(tmp_path: Path) -> None:
    app = make_app(tmp_path, provider=RecordingProvider())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("escape")  # demo first
        await pilot.pause()
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        app.screen.query_one("#setup-url", Input).value = "not a url"
        await pilot.click("#save-url")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)  # refused, with a message
        assert app.screen.query_one("#setup-error").display
        url = app.screen.query_one("#setup-url", Input)
        url.value = "http://localhost:11434/v1"
        url.focus()
        await pilot.press("enter")  # Enter in the field submits it too
        await pilot.pause()
        assert "localhost:11434" in str(screen_of(app).query_one("#provider-line").render())
    saved = tomllib.loads(paths_in(tmp_path).config_file.read_text(encoding="utf-8"))
    assert saved["provider"]["base_url"] == "http://localhost:11434/v1"


async def test_malformed_config_names_file_and_line_and_is_left_alone(tmp_path: Path) -> None:
    broken = 'model = "gpt-4o"\n[defaults]\ntemperature = 7\n[provider\n'
    path = write_config(tmp_path, broken)
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any(str(path) in m and "line 4" in m for m in messages), messages
        # The app still works, on defaults.
        await pilot.press("escape")
        await type_and_send(app, pilot, "hi")
        await wait_idle(pilot)
        assert screen_of(app).conversation.messages[-1].content
        # Saving a key must not overwrite the broken file.
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        app.screen.query_one("#setup-key", Input).value = KEY
        await pilot.click("#save-key")
        await pilot.pause()
        assert any(
            "left untouched" in n.message or "untouched" in n.message for n in app._notifications
        )
    assert path.read_text(encoding="utf-8") == broken


async def test_bad_value_reports_its_line_and_keeps_the_rest(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[defaults]\ntemperature = 7\nmax_tokens = 50\n")
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("line 2" in m and "defaults.temperature" in m for m in messages), messages
        await pilot.press("escape")
        await pilot.pause()
        assert screen_of(app).conversation.params.max_tokens == 50
        assert screen_of(app).conversation.params.temperature is None
    assert path.exists()
