"""The app and the data folder's health: everything it leaves in its folders is private
(files 0600, folders 0700: message text is in the conversations, the search index and its
SQLite side files), and a damaged conversation still opens."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from gpt_tui.ui.screens.search import SearchScreen
from tests.fakes import make_app
from tests.ui.helpers import dismiss_setup, screen_of, type_and_send, wait_idle
from tests.ui.test_search_screen import search_for
from tests.unit.test_exporting import full_conversation
from tests.unit.test_store_health import write_document


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


async def test_a_conversation_with_a_bad_field_opens_with_a_notice(tmp_path: Path) -> None:
    """``params.temperature = "hot"`` used to move the whole chat to corrupt/: now it opens,
    without that value, and a notice says what was left out and where the original is."""
    data = tmp_path / "data"
    write_document(data, "c0ffee", {"params.temperature": "hot"})
    (data / "state.json").write_text(
        json.dumps({"setup_dismissed": True, "last_conversation_id": "c0ffee"})
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        conversation = screen_of(app).conversation
        assert conversation.id == "c0ffee"
        assert len(conversation.messages) == len(full_conversation("c0ffee").messages)
        assert conversation.params.temperature is None
        notices = [n.message for n in app._notifications]
        assert any(
            "left out what could not be read (params.temperature" in n and "corrupt/" in n
            for n in notices
        ), notices
