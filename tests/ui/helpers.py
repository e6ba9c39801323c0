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
