"""An idle app does no work: the prompt's cursor stops blinking until the next key."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt_tui.cli import build_app
from gpt_tui.ui.widgets import prompt_input
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.fakes import FrozenClock, SteppingTimer, make_app, paths_in
from tests.ui.helpers import dismiss_setup, wait_idle


def blinking(prompt: PromptInput) -> bool:
    """Read afresh each time (mypy would otherwise narrow it after the first assert)."""
    return bool(prompt.cursor_blink)


async def test_cursor_stops_blinking_when_idle_and_resumes_on_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prompt_input, "BLINK_SECONDS", 0.3)
    app = make_app(tmp_path, cursor_blink=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await dismiss_setup(app, pilot)
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        await pilot.press("h")
        assert blinking(prompt)
        await pilot.pause(0.8)
        assert not blinking(prompt)
        await pilot.press("i")
        await wait_idle(pilot)
        assert blinking(prompt)
        assert prompt.text == "hi"


async def test_a_disabled_blink_stays_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompt_input, "BLINK_SECONDS", 0.2)
    app = make_app(tmp_path, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await dismiss_setup(app, pilot)
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        await pilot.pause(0.5)
        await pilot.press("x")
        await wait_idle(pilot)
        assert not blinking(prompt)


async def test_the_heap_is_settled_once_the_warm_up_has_loaded(tmp_path: Path) -> None:
    """The CLI passes ``gc.freeze``: it must run after the encoder and prices are loaded."""
    settled: list[bool] = []
    app = build_app(
        paths_in(tmp_path),
        {},
        demo_delay=0.0,
        warm_up=True,
        now=FrozenClock(),
        timer=SteppingTimer(),
        cursor_blink=False,
        settle_heap=lambda: settled.append(app.services.connections.prices_loaded),
    )
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(100):
            if settled:
                break
            await pilot.pause(0.1)
        assert settled == [True]
