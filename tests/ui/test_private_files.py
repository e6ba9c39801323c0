"""Everything the app leaves in its folders is private (files 0600, folders 0700): message
text is in the conversations, the search index and its SQLite side files."""

from __future__ import annotations

import stat
from pathlib import Path

from gpt_tui.ui.screens.search import SearchScreen
from tests.fakes import make_app
from tests.ui.helpers import dismiss_setup, type_and_send, wait_idle
from tests.ui.test_search_screen import search_for


def modes_under(root: Path) -> dict[str, str]:
    """``relative path → octal mode`` of every file and folder below ``root``."""
    return {
        path.relative_to(root).as_posix() + ("/" if path.is_dir() else ""): oct(
            stat.S_IMODE(path.stat().st_mode)
        )
        for path in sorted(root.rglob("*"))
    }


def not_private(root: Path) -> dict[str, str]:
    return {
        name: mode
        for name, mode in modes_under(root).items()
        if mode != ("0o700" if name.endswith("/") else "0o600")
    }


async def test_after_a_turn_a_search_and_quitting_every_file_is_private(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await type_and_send(app, pilot, "tell me about zebras")
        await wait_idle(pilot)
        screen = await search_for(pilot, "zebras")
        assert isinstance(screen, SearchScreen)
        # The search index is open (with its -wal and -shm files) while the app runs.
        assert (tmp_path / "data" / "search.sqlite3-wal").exists()
        assert not_private(tmp_path) == {}
        await pilot.press("escape")
        await pilot.press("ctrl+q")
    names = set(modes_under(tmp_path))
    assert {"data/", "data/conversations/", "data/index.json", "data/search.sqlite3"} <= names
    assert not_private(tmp_path) == {}
