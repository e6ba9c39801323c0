"""SVG snapshot of the usage screen (F10) with fixed data and a frozen clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from tests.fakes import FrozenClock, make_app, write_config
from tests.ui.test_usage_screen import KEY, seed_usage

SnapCompare = Callable[..., bool]


def test_usage_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """F10 over five chats: "Usage · last 30 days · $2.91+ in 9 replies" at the top; a bar
    chart of 30 days with the tallest bar on 10 Nov ($1.25) and bars on the 22nd, 21st,
    20th, 19th and 13th, day numbers under every fifth; top models o3-mini, gpt-4o,
    gpt-4o-mini and llama3.2 ("unknown": no price); the chats that cost most, "Tax
    questions" highlighted; "Budget: $2.11 of $5 monthly budget (42 %), all profiles"."""
    write_config(tmp_path, "[budget]\nmonthly_usd = 5\n")
    seed_usage(tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("f10")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    app = make_app(tmp_path, env=KEY, clock=FrozenClock())
    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)
