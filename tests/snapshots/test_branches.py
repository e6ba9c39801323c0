"""SVG snapshot of a conversation with a branch: the ‹ 2/2 › control and a highlighted message."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.widgets.message_list import MessageList
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.snapshots.test_screens import SnapCompare, demo_app
from tests.ui.helpers import type_and_send, wait_idle


def test_edited_prompt_with_branch_control_and_highlight(
    snap_compare: SnapCompare, tmp_path: Path
) -> None:
    """The second prompt was edited and sent again: it shows ‹ 2/2 › under it, with its
    actions (edit, regenerate, copy, delete) because it is the highlighted message (heavy
    border); the chat has focus, so the footer shows the keys of the chat."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, GptTuiApp)
        await type_and_send(app, pilot, "hi")
        await wait_idle(pilot)
        await type_and_send(app, pilot, "a table please")
        await wait_idle(pilot)
        app.screen.query_one(MessageList).focus()
        await pilot.pause()
        await pilot.press("k", "e")
        await pilot.pause()
        app.screen.query_one(PromptInput).text = "a python table please"
        await pilot.press("enter")
        await wait_idle(pilot)
        app.screen.query_one(MessageList).focus()  # the highlight is on the edited prompt
        await pilot.pause()
        await pilot.press("j", "k")  # away and back: scrolls it into view
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=(160, 48), run_before=run_before)
