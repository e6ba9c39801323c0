"""ctrl+f: searching every conversation and opening one at the matching message."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from gpt_tui.core.domain.message import Message
from gpt_tui.core.store.conversations import ConversationStore
from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.screens.search import SearchScreen
from gpt_tui.ui.widgets.chat_view import PAGE
from gpt_tui.ui.widgets.message_list import MessageList
from tests.fakes import FrozenClock, make_app, paths_in
from tests.ui.helpers import screen_of
from tests.unit.test_search import chat as make_chat


def write_chats(root: Path, last: str = "recent") -> None:
    """A long old conversation (its match far above the last page), a few others, and the
    app set to reopen another one."""
    data = paths_in(root).data_dir
    store = ConversationStore(data)
    old_texts = [f"filler message number {i} about nothing" for i in range(3 * PAGE)]
    old_texts[7] = "How do zebra crossings work in Tokyo? 斑马线怎么走"
    store.save(make_chat("old", *old_texts, title="Travel questions"))
    for number in range(4):
        texts = [f"prompt {number} about tea", f"reply {number}: green tea is fine"]
        store.save(make_chat(f"c{number}", *texts, title=f"Tea chat {number}", minutes=10 + number))
    store.save(make_chat("recent", "hello", "hi there", title="Recent chat", minutes=60))
    state = {"setup_dismissed": True, "last_conversation_id": last}
    (data / "state.json").write_text(json.dumps(state), encoding="utf-8")


async def search_for(pilot: Pilot[None], text: str) -> SearchScreen:
    await pilot.press("ctrl+f")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SearchScreen)
    screen.query_one(Input).value = text
    await pilot.pause(0.3)
    async with asyncio.timeout(10):
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def test_enter_opens_an_old_conversation_at_the_match(tmp_path: Path) -> None:
    write_chats(tmp_path)
    app = make_app(tmp_path, clock=FrozenClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert screen_of(app).conversation.id == "recent"
        search = await search_for(pilot, "zebra cross")
        assert search.query_one(OptionList).option_count == 1
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        chat_screen = screen_of(app)
        assert chat_screen.conversation.id == "old"
        chat = chat_screen.query_one(MessageList)
        view = chat.view_of("old-m7")
        assert view is not None
        assert chat.cursor == "old-m7" and chat.has_focus
        assert view.has_class("-cursor")
        # Scrolled into view: the message's first line is inside the chat's visible area.
        assert chat.region.y <= view.region.y < chat.region.bottom, (view.region, chat.region)
        assert len(chat.shown_ids()) > PAGE  # earlier pages were mounted to reach it


async def test_typing_updates_results_and_reports_nothing_found(tmp_path: Path) -> None:
    write_chats(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        search = await search_for(pilot, "green tea")
        options = search.query_one(OptionList)
        assert options.option_count == 4
        await pilot.press("down", "down")
        assert options.highlighted == 2
        search.query_one(Input).value = "茶"
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert options.option_count == 0
        status = str(search.query_one("#search-status").render())
        assert "No message contains" in status
        search.query_one(Input).value = "斑马"
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert options.option_count == 1
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen)
        assert screen_of(app).conversation.id == "recent"


async def test_a_match_on_another_branch_switches_to_it(tmp_path: Path) -> None:
    write_chats(tmp_path)
    store = ConversationStore(paths_in(tmp_path).data_dir)
    branched = store.load("c0")
    branched.tree.add(Message(role="assistant", content="oolong instead", id="c0-alt"), "c0-m0")
    branched.tree.select("c0-m1")
    store.save(branched)
    app: GptTuiApp = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await search_for(pilot, "oolong")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        chat_screen = screen_of(app)
        assert [m.id for m in chat_screen.conversation.messages] == ["c0-m0", "c0-alt"]
        chat = chat_screen.query_one(MessageList)
        assert chat.cursor == "c0-alt"


async def test_a_huge_pasted_query_is_answered_quickly(tmp_path: Path) -> None:
    """Only the first MAX_QUERY characters are searched: a 100,000-character query against a
    100,000-character message took the index most of a minute."""
    huge = "[b]" + "x" * 100_000
    write_chats(tmp_path)
    ConversationStore(paths_in(tmp_path).data_dir).save(make_chat("huge", huge, "a reply"))
    app = make_app(tmp_path, clock=FrozenClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        started = asyncio.get_running_loop().time()
        search = await search_for(pilot, huge)
        elapsed = asyncio.get_running_loop().time() - started
        assert search.query_one(OptionList).option_count == 1
        assert elapsed < 5, elapsed
