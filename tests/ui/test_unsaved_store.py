"""A data folder where conversations cannot be saved: the app says so at launch, asks
before sending, and offers the unsaved chats for export when quitting.

Tests run as root, where permissions do not stop writes: a file stands where the
``conversations`` folder should be, which fails the same way for every user."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, Static

from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.chat.unsaved import BANNER_ID
from gpt_tui.ui.screens.dialogs import AskText, Choose, Confirm
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.fakes import RecordingProvider, Script, make_app
from tests.ui.helpers import reply_text, type_and_send, wait_idle

REMOTE = {"OPENAI_API_KEY": "sk-test-key"}


def unwritable_app(root: Path, provider: RecordingProvider) -> GptTuiApp:
    data = root / "data"
    data.mkdir(parents=True)
    (data / "conversations").write_text("not a folder", encoding="utf-8")
    return make_app(root, env=REMOTE, provider=provider, model="gpt-4o-mini")


def on_screen(app: GptTuiApp) -> type:
    """The kind of screen on top (a function, so each check looks again)."""
    return type(app.screen)


def banner(app: GptTuiApp) -> Static:
    return app.screen.query_one(f"#{BANNER_ID}", Static)


async def test_a_store_that_cannot_be_written_is_said_and_asked_before_sending(
    tmp_path: Path,
) -> None:
    provider = RecordingProvider([Script(["kept ", "in memory"])])
    app = unwritable_app(tmp_path, provider)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_idle(pilot)
        assert banner(app).display
        assert "cannot be saved" in str(banner(app).render())

        await type_and_send(app, pilot, "hello")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await pilot.pause()
        assert provider.requests == []
        assert app.screen.query_one(PromptInput).text == "hello"  # the draft stays

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await wait_idle(pilot)
        assert len(provider.requests) == 1
        assert reply_text(app) == "kept in memory"
        assert banner(app).display  # the banner stays while the folder is unwritable


async def test_quitting_offers_to_export_what_could_not_be_saved(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["an answer"])])
    app = unwritable_app(tmp_path, provider)
    elsewhere = tmp_path / "rescued"
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_idle(pilot)
        await type_and_send(app, pilot, "a question")
        await pilot.pause()
        await pilot.press("y")
        await wait_idle(pilot)

        await pilot.press("ctrl+q")
        await pilot.pause()
        assert on_screen(app) is Choose
        await pilot.press("c")  # cancel: nothing lost, the app goes on
        await pilot.pause()
        assert on_screen(app) is not Choose and app.return_code is None

        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, AskText)
        app.screen.query_one(Input).value = str(elsewhere)
        await pilot.press("enter")
        await wait_idle(pilot)
    exported = list(elsewhere.glob("*.json"))
    assert len(exported) == 1
    text = exported[0].read_text(encoding="utf-8")
    assert "a question" in text and "an answer" in text
    assert json.loads(text)["format"] == "gpt-tui"


async def test_quitting_without_them_and_a_writable_store_asks_nothing(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["an answer"])])
    app = unwritable_app(tmp_path, provider)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_idle(pilot)
        await type_and_send(app, pilot, "a question")
        await pilot.pause()
        await pilot.press("y")
        await wait_idle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("q")
        await wait_idle(pilot)
        assert app.return_code == 0  # on its way out, without another question
        assert not isinstance(app.screen, (Choose, AskText))

    fine = make_app(tmp_path / "fine", env=REMOTE, provider=RecordingProvider([Script(["ok"])]))
    async with fine.run_test(size=(160, 48)) as pilot:
        await wait_idle(pilot)
        assert not banner(fine).display
        await type_and_send(fine, pilot, "hello")
        await wait_idle(pilot)
        assert not isinstance(fine.screen, Confirm)
        await pilot.press("ctrl+q")
        await wait_idle(pilot)
        assert not isinstance(fine.screen, Choose)
