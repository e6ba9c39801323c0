"""Markup audit: text from users, models, files and servers that looks like Textual markup is
shown literally everywhere a title or a message appears, and never acted on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Select, Static

from gpt_tui.ui.widgets.chat_view import ReplyView
from gpt_tui.ui.widgets.sidebar import ConversationList
from tests.fakes import RecordingProvider, Script, make_app
from tests.ui.helpers import (
    import_role_file,
    rename_from_list,
    screen_of,
    search_hits,
    type_and_send,
    wait_idle,
)
from tests.ui.test_hostile_content import REMOTE, screen_text

LOOKS_LIKE_MARKUP = [
    "[b]x[/b]",
    "crash [a=1 b=2] test",
    "[link=file:///etc/passwd]x[/link]",
    "[@click=app.quit]x[/]",
]


def plain(widget: Static) -> str:
    return str(widget.render())


@pytest.mark.parametrize("hostile", LOOKS_LIKE_MARKUP)
async def test_markup_looking_text_is_literal_everywhere(tmp_path: Path, hostile: str) -> None:
    model = f"model {hostile}"
    provider = RecordingProvider([Script([f"reply {hostile}"])])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model=model)
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        # A prompt and a reply.
        await type_and_send(app, pilot, f"prompt {hostile}")
        await wait_idle(pilot)
        shown = screen_text(app)
        assert f"prompt {hostile}" in shown and f"reply {hostile}" in shown
        # The model's name over the reply (read back as markup: literal brackets are escaped).
        border = app.screen.query(ReplyView).last().border_title
        assert border == f"model {hostile}".replace("[", "\\["), border
        assert f"model {hostile}" in shown
        # A title, given from the list (r), shown in the list and over the chat.
        await rename_from_list(app, pilot, hostile)
        assert screen_of(app).conversation.title == hostile
        assert plain(app.screen.query_one("#chat-title", Static)).startswith(hostile)
        listing = app.screen.query_one(ConversationList)
        titles = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert any(hostile[:12] in t for t in titles), titles  # the list is narrow
        # A notification raised by a screen (Widget.notify defaults to markup=True).
        screen_of(app).notify(f"note {hostile}", title=f"title {hostile}")
        await pilot.pause(0.2)
        [note] = [n for n in app._notifications if n.message == f"note {hostile}"]
        assert not note.markup
        assert f"note {hostile}" in screen_text(app)
        # A file name in an error: import a role file that does not exist.
        await import_role_file(app, pilot, f"/nonexistent/{hostile}.json")
        file_name = Path(f"/nonexistent/{hostile}.json").name
        assert any(file_name in n.message for n in app._notifications)
        assert file_name in screen_text(app)
        # A search query and its hits.
        hits = await search_hits(app, pilot, hostile)
        assert any(hostile in hit for hit in hits), hits
        assert app.is_running  # no [@click=app.quit] ran


@pytest.mark.parametrize("hostile", LOOKS_LIKE_MARKUP)
async def test_palette_lists_markup_looking_titles_literally(tmp_path: Path, hostile: str) -> None:
    app = make_app(tmp_path, env=REMOTE, provider=RecordingProvider([Script(["ok"])]), model="m")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "first")
        await wait_idle(pilot)
        app.services.chat.rename(screen_of(app).conversation, hostile)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Open")
        await asyncio.sleep(0.3)
        await pilot.pause()
        assert f"Open: {hostile}" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running


@pytest.mark.parametrize("hostile", LOOKS_LIKE_MARKUP)
async def test_profile_and_preset_names_are_literal_in_the_panel(
    tmp_path: Path, hostile: str
) -> None:
    """Profile and preset names come from config.toml: the panel's selects show them as
    written (a select reads a plain string prompt as markup)."""
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    name = hostile.replace('"', "")
    config.write_text(
        'profile = "main"\n'
        '[profiles.main]\nbase_url = "http://127.0.0.1:9/v1"\napi_key = "sk-x"\n'
        f'[profiles."{name}"]\nbase_url = "http://127.0.0.1:9/v1"\napi_key = "sk-y"\n'
        f'[presets."{name}"]\nsystem_prompt = "be brief"\n',
        encoding="utf-8",
    )
    app = make_app(tmp_path, provider=RecordingProvider([]), model="gpt-4o-mini")
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_idle(pilot)
        for select_id in ("#param-profile", "#param-preset"):
            select = app.screen.query_one(select_id, Select)
            select.focus()
            select.expanded = True
            await wait_idle(pilot)
            assert name[:24] in screen_text(app), select_id  # the panel is narrow
            select.expanded = False
            await wait_idle(pilot)


@pytest.mark.parametrize("hostile", LOOKS_LIKE_MARKUP)
async def test_answers_of_a_question_show_as_written(hostile: str) -> None:
    """The buttons of a question (model names a server listed, in the profile check) are
    literal text, not markup, and a name that is no valid widget id still makes a button
    that answers with it."""
    from textual.app import App
    from textual.widgets import Button

    from gpt_tui.ui.screens.dialogs import Choose

    app: App[None] = App()
    async with app.run_test() as pilot:
        await app.push_screen(Choose("Which model?", ((hostile, hostile, "1"),)))
        await pilot.pause()
        (button,) = app.screen.query(Button)
        assert str(button.label) == f"{hostile} (1)"
        chosen: list[str | None] = []
        app.pop_screen()
        await app.push_screen(Choose("Which model?", ((hostile, hostile, "1"),)), chosen.append)
        await pilot.pause()
        await pilot.click(Button)  # an [@click=…] label must not run anything
        await pilot.pause()
        assert app.return_code is None
        assert chosen == [hostile]
