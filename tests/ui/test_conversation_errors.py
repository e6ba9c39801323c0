"""A conversation file that cannot be read is said once, the same way, and never ends the app."""

from __future__ import annotations

from pathlib import Path

from gpt_tui.ui.widgets.sidebar import ConversationList, Sidebar
from tests.fakes import make_app
from tests.ui.helpers import dismiss_setup, screen_of, type_and_send, wait_idle


async def test_an_unreadable_conversation_is_reported_and_the_open_one_stays(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await type_and_send(app, pilot, "first")
        await wait_idle(pilot)
        first = screen_of(app).conversation.id
        await pilot.press("ctrl+n")
        await type_and_send(app, pilot, "second")
        await wait_idle(pilot)
        second = screen_of(app).conversation.id

    (tmp_path / "data" / "conversations" / f"{first}.json").write_text("{not json")
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await pilot.pause()
        assert screen_of(app).conversation.id == second
        app.screen.post_message(Sidebar.Chosen(first))
        await pilot.pause()
        await pilot.pause()
        assert app.is_running
        assert screen_of(app).conversation.id == second
        [toast] = [n for n in app._notifications if n.title == "Could not open the conversation"]
        assert toast.severity == "error"
        assert first in toast.message  # it names the file
        listed = app.screen.query_one(ConversationList)
        options = [listed.get_option_at_index(i) for i in range(listed.option_count)]
        # The unreadable file left the list.
        assert [o.id for o in options if o.id is not None] == [second]
