"""Drafts reach the disk soon after typing pauses (so a killed app keeps them), never once
per keystroke."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gpt_tui.core.store import conversations as storage
from gpt_tui.core.store import fsutil
from gpt_tui.ui.chat.drafts import DRAFT_SAVE_DELAY
from gpt_tui.ui.widgets.prompt_input import PromptInput
from gpt_tui.ui.widgets.sidebar import Sidebar
from tests.fakes import make_app, paths_in
from tests.ui.helpers import dismiss_setup, screen_of, type_and_send, wait_idle


def saved_drafts(root: Path) -> dict[str, str]:
    state = json.loads((paths_in(root).data_dir / "state.json").read_text(encoding="utf-8"))
    drafts = state.get("drafts", {})
    assert isinstance(drafts, dict)
    return drafts


async def test_typing_writes_the_draft_once_after_a_pause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[str] = []
    original = fsutil.atomic_write_text

    def counting(path: Path, text: str, *, mode: int = 0o644) -> None:
        writes.append(path.name)
        original(path, text, mode=mode)

    monkeypatch.setattr(storage, "atomic_write_text", counting)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await dismiss_setup(app, pilot)
        await type_and_send(app, pilot, "first prompt")
        await wait_idle(pilot)
        conversation_id = screen_of(app).conversation.id
        app.screen.query_one(PromptInput).focus()
        writes.clear()
        text = "a draft typed key by key"
        for char in text:
            await pilot.press("space" if char == " " else char)
        assert writes.count("state.json") == 0  # still typing: nothing written yet
        await pilot.pause(2 * DRAFT_SAVE_DELAY + 0.3)

        assert writes.count("state.json") == 1
        assert saved_drafts(tmp_path) == {conversation_id: text}

        await pilot.press("ctrl+n")  # nothing changed since the save: no write
        await pilot.pause()
        assert writes.count("state.json") == 1
        new_id = screen_of(app).conversation.id
        await pilot.press("x")
        app.screen.post_message(Sidebar.Chosen(conversation_id))
        await pilot.pause()  # a switch saves at once, without waiting for the pause

        assert saved_drafts(tmp_path) == {conversation_id: text, new_id: "x"}
        assert writes.count("state.json") == 2
        assert app.screen.query_one(PromptInput).text == text
