"""Keymap, help, command palette, themes and the status line, driven as a user would."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.command import CommandPalette
from textual.content import Content
from textual.widgets import DataTable, Input

from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.keymap import check_keymap
from gpt_tui.ui.screens.dialogs import AskText
from gpt_tui.ui.screens.help import HelpScreen
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.fakes import RecordingProvider, Script, make_app
from tests.ui.helpers import (
    dismiss_setup,
    run_palette_command,
    screen_of,
    type_and_send,
    wait_idle,
)

REMOTE = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}


def help_text(app: GptTuiApp) -> list[tuple[str, ...]]:
    table = app.screen.query_one(DataTable)
    return [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def test_remapped_send_key_works_and_shows_in_footer_and_help(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["ok"])])
    app = make_app(
        tmp_path,
        env=REMOTE,
        provider=provider,
        model="gpt-4o-mini",
        keymap={"prompt.send": "ctrl+s", "chat.new": "ctrl+t"},
    )
    async with app.run_test(size=(160, 48)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        await pilot.press(*"hi")
        await pilot.press("enter")  # no longer sends: inserts a line
        await pilot.pause()
        assert provider.requests == []
        assert prompt.text == "hi\n"
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        assert [m["content"] for m in provider.requests[0].messages] == ["hi\n"]
        await pilot.press("f1")
        await pilot.pause()
        rows = help_text(app)
        assert any("Send" in row[2] and "^s" in row[1] for row in rows), rows
        assert any("New chat" in row[2] and "^t" in row[1] for row in rows), rows


def test_keymap_problems_are_reported_not_ignored() -> None:
    known = GptTuiApp.known_bindings()
    usable, problems = check_keymap(
        {"prompt.sned": "ctrl+s", "chat.new": "ctrl+q", "chat.stop": "ctrl+x"}, known
    )
    assert usable == {"chat.stop": "ctrl+x"}
    messages = [p.message for p in problems]
    assert any("unknown binding id 'prompt.sned'" in m and "prompt.send" in m for m in messages)
    assert any("'ctrl+q' would do both" in m for m in messages)


async def test_keymap_problem_is_shown_at_launch(tmp_path: Path) -> None:
    app = make_app(tmp_path, keymap={"no.such": "ctrl+x"})
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert any("unknown binding id 'no.such'" in n.message for n in app._notifications)


async def test_f1_lists_the_focused_area_and_global_keys(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = help_text(app)
        areas = {row[0] for row in rows}
        assert {"here (PromptInput)", "chat screen", "everywhere"} <= areas
        actions = {row[2] for row in rows}
        assert {"Send", "Newline", "New chat", "Quit", "Help"} <= actions
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ChatScreen"
        # "?" opens help outside text fields, and types a "?" inside them.
        await pilot.press("question_mark")
        assert app.screen.query_one(PromptInput).text == "?"
        app.screen.query_one("#chat").focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"


async def test_palette_runs_an_action_and_opens_conversations(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        prompt = app.screen.query_one(PromptInput)
        prompt.text = "first chat"
        await pilot.press("enter")
        await wait_idle(pilot)
        first = screen_of(app).conversation.id
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen_of(app).conversation.id != first
        # Open the first conversation from the palette by title.
        await run_palette_command(pilot, "first chat")
        assert screen_of(app).conversation.id == first
        # Run an action: the temperature field gets the cursor.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"temperature")
        await asyncio.sleep(0.3)
        await pilot.press("enter")
        await pilot.pause()
        focused = app.focused
        assert isinstance(focused, Input)
        assert focused.id == "param-temperature"


async def test_theme_is_remembered(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await dismiss_setup(app, pilot)
        app.theme = "textual-light"
        await pilot.pause()
    again = make_app(tmp_path)
    async with again.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert again.theme == "textual-light"


async def test_status_line_shows_spinner_then_speed_and_notifies_elsewhere(
    tmp_path: Path,
) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider([Script(["a ", "b"], gate=gate)])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.text = "slow one"
        await pilot.press("enter")
        await pilot.pause()
        status = str(app.screen.query_one("#status-line").render())
        assert "streaming" in status or "waiting for the first token" in status
        assert "Esc stops" in status
        await pilot.press("ctrl+n")
        await pilot.pause()
        gate.set()
        await wait_idle(pilot)
        assert any("slow one" in n.message and "finished" in n.message for n in app._notifications)
        assert not app.screen.query_one("#status-line").display


def palette_lines(app: GptTuiApp) -> list[str]:
    """The first line (the command, not its help) of every entry the open palette lists."""
    from textual.command import CommandList

    options = app.screen.query_one(CommandList).options
    prompts = [option.prompt for option in options]
    return [p.plain.split("\n")[0] for p in prompts if isinstance(p, Content)]


async def test_palette_lists_and_finds_titles_with_brackets_as_text(tmp_path: Path) -> None:
    """A title that looks like markup ("[a=1 b=2]"), sent or given by renaming, once ended
    the app at ctrl+p (MarkupError): the palette shows it literally, finds it, opens it."""
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await type_and_send(app, pilot, "crash [a=1 b=2] test")
        await wait_idle(pilot)
        first = screen_of(app).conversation
        await pilot.press("ctrl+n")
        await pilot.pause()
        await type_and_send(app, pilot, "second")
        await wait_idle(pilot)
        await run_palette_command(pilot, "Rename this chat")
        assert isinstance(app.screen, AskText)
        app.screen.query_one(Input).value = "notes [x=1 y=2] [/] [@click=app.quit]"
        await pilot.press("enter")
        await pilot.pause()
        assert screen_of(app).conversation.title == "notes [x=1 y=2] [/] [@click=app.quit]"

        await pilot.press("ctrl+p")
        await asyncio.sleep(0.3)
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        listed = palette_lines(app)
        assert "Open: crash [a=1 b=2] test" in listed
        assert "Open: notes [x=1 y=2] [/] [@click=app.quit]" in listed

        await pilot.press(*"crash [a=1")
        await asyncio.sleep(0.3)
        await pilot.pause()
        assert palette_lines(app)[0] == "Open: crash [a=1 b=2] test"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert app.is_running
        assert screen_of(app).conversation.id == first.id


def test_palette_help_lines_show_any_text_literally() -> None:
    """Help lines hold model names and preset summaries from config: the palette parses
    them as markup, so they are escaped to show exactly as written."""
    from gpt_tui.ui.chat.palette import help_markup

    for text in ("[a=1 b=2] x", "[$x]", "[[a=1]]", "\\[x]", "a\\", "[@click=app.quit]q[/]", "["):
        assert Content.from_markup(help_markup(text)).plain == text


async def test_toasts_about_a_chat_show_its_bracketed_title_as_text(tmp_path: Path) -> None:
    """Deleting and restoring a chat says its title in a toast; a title that looks like
    markup is shown as written instead of being parsed (which raised MarkupError)."""
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await dismiss_setup(app, pilot)
        await type_and_send(app, pilot, "crash [a=1 b=2] test")
        await wait_idle(pilot)
        await run_palette_command(pilot, "Delete this chat")
        await pilot.press("y")
        await pilot.pause()
        await run_palette_command(pilot, "Undo delete")
        await pilot.pause(0.3)  # the toasts are drawn
        await pilot.pause()
        assert app.is_running
        toasts = [n.message for n in app._notifications]
        assert any(t.startswith("Deleted “crash [a=1 b=2] test”.") for t in toasts)
        assert "Restored “crash [a=1 b=2] test”." in toasts
