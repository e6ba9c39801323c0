"""Driving the app in Pilot tests."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot

from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.screens.chat import ChatScreen
from gpt_tui.ui.widgets.chat_view import ReplyView
from gpt_tui.ui.widgets.prompt_input import PromptInput


def screen_of(app: GptTuiApp) -> ChatScreen:
    assert isinstance(app.screen, ChatScreen)
    return app.screen


async def wait_idle(pilot: Pilot[None]) -> None:
    """Until every turn has ended and the screen has handled what the workers posted."""
    async with asyncio.timeout(10):
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def reply_text(app: GptTuiApp) -> str:
    return app.screen.query(ReplyView).last().body.source


def reply_status(app: GptTuiApp) -> str:
    return str(app.screen.query(ReplyView).last().query_one(".reply-status").render())


async def dismiss_setup(app: GptTuiApp, pilot: Pilot[None]) -> None:
    """Close the first-run setup screen (choosing the demo)."""
    await pilot.pause()
    assert type(app.screen).__name__ == "SetupScreen"
    await pilot.press("escape")
    await pilot.pause()


async def type_and_send(app: GptTuiApp, pilot: Pilot[None], text: str) -> None:
    prompt = app.screen.query_one(PromptInput)
    prompt.focus()
    prompt.text = text
    await pilot.press("enter")


async def run_palette_command(pilot: Pilot[None], text: str) -> None:
    """ctrl+p, type ``text``, and run the best match (as a person would)."""
    from textual.command import CommandPalette

    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*text)
    await asyncio.sleep(0.3)  # the palette searches in the background
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()


async def rename_from_list(app: GptTuiApp, pilot: Pilot[None], title: str) -> None:
    """Give the open chat a title as a user does: r on its row of the list, type, Enter."""
    from textual.widgets import Input

    from gpt_tui.ui.widgets.sidebar import ConversationList

    listing = app.screen.query_one(ConversationList)
    listing.focus()
    listing.highlighted = next(
        i
        for i in range(listing.option_count)
        if listing.get_option_at_index(i).id == screen_of(app).conversation.id
    )
    await pilot.press("r")
    await pilot.pause()
    app.screen.query_one(Input).value = title
    await pilot.press("enter")
    await pilot.pause()


async def search_hits(app: GptTuiApp, pilot: Pilot[None], query: str) -> list[str]:
    """ctrl+f, type ``query``, wait for the hits; returns them as text and closes the search."""
    from textual.widgets import Input, OptionList

    from gpt_tui.ui.screens.search import SearchScreen

    await pilot.press("ctrl+f")
    await pilot.pause()
    search = app.screen
    assert isinstance(search, SearchScreen)
    search.query_one(Input).value = query
    await pilot.pause(0.3)
    async with asyncio.timeout(10):  # a newer query cancels the one before: wait for all
        while any(worker.is_running for worker in app.workers):
            await pilot.pause(0.05)
    await pilot.pause()
    hits = search.query_one(OptionList)
    found = [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]
    await pilot.press("escape")
    await pilot.pause()
    return found


async def import_role_file(app: GptTuiApp, pilot: Pilot[None], path: str) -> None:
    """The palette's "Import a role file as a preset", answered with ``path``."""
    from textual.widgets import Input

    screen_of(app).action_import_role()
    await pilot.pause()
    app.screen.query_one(Input).value = path
    await pilot.press("enter")
    await pilot.pause(0.2)
