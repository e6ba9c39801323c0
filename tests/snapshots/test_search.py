"""SVG snapshot of the search screen (ctrl+f) with results (frozen clock, fixed data)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from gpt_tui.ui.app import GptTuiApp
from tests.fakes import FrozenClock, make_app, paths_in
from tests.ui.test_search_screen import write_chats
from tests.unit.test_search import chat

SnapCompare = Callable[..., bool]


def test_search_screen_with_results(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """ctrl+f and "tea" over the chat: the field at the top, "14 matches, newest first",
    and each hit as its title, age and role with the snippet under it, "tea" marked in
    each; the newest hit is highlighted. Titles match too ("Tea chat 3")."""
    write_chats(tmp_path)
    from gpt_tui.core.store.conversations import ConversationStore

    ConversationStore(paths_in(tmp_path).data_dir).save(
        chat(
            "zh",
            "推荐一种好喝的茶 (tea)",
            "可以试试乌龙茶 oolong tea，香气很好",
            title="中文对话",
            minutes=30,
        )
    )

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, GptTuiApp)
        app.services.search.catch_up()
        await pilot.press("ctrl+f")
        await pilot.pause()
        app.screen.query_one(Input).value = "tea"
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()

    app = make_app(tmp_path, clock=FrozenClock())
    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)
