"""The prompt's shell habits, driven through the real app: ↑/↓ through earlier prompts
(across conversations and restarts) without losing the draft, and ctrl+e round-tripping
the draft through a fake ``$EDITOR``."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

from textual.pilot import Pilot

from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.fakes import make_app
from tests.ui.helpers import dismiss_setup, type_and_send, wait_idle


def _prompt(app: GptTuiApp) -> PromptInput:
    return app.screen.query_one(PromptInput)


async def _sent(app: GptTuiApp, pilot: Pilot[None], *prompts: str) -> None:
    for text in prompts:
        await type_and_send(app, pilot, text)
        await wait_idle(pilot)


async def test_up_recalls_earlier_prompts_and_down_returns_to_the_draft(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await dismiss_setup(app, pilot)
        await _sent(app, pilot, "first question", "second question")
        await pilot.press("ctrl+n")  # another conversation: the history is everyone's
        await pilot.pause()
        prompt = _prompt(app)
        prompt.focus()
        await pilot.press(*"unsent")
        await pilot.press("up")
        assert prompt.text == "second question"
        await pilot.press("up")
        assert prompt.text == "first question"
        await pilot.press("up")  # the oldest: stays
        assert prompt.text == "first question"
        await pilot.press("down")
        assert prompt.text == "second question"
        await pilot.press("down")
        assert prompt.text == "unsent"  # the draft, never lost
        await pilot.press("down")
        assert prompt.text == "unsent"


async def test_up_on_a_lower_line_moves_the_cursor(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await dismiss_setup(app, pilot)
        await _sent(app, pilot, "earlier")
        prompt = _prompt(app)
        prompt.focus()
        await pilot.press(*"one", "ctrl+j", *"two")
        await pilot.press("up")
        assert prompt.text == "one\ntwo"
        assert prompt.cursor_location[0] == 0
        await pilot.press("up")  # now on the first line
        assert prompt.text == "earlier"


async def test_prompts_of_earlier_sessions_are_recalled(tmp_path: Path) -> None:
    first = make_app(tmp_path)
    async with first.run_test(size=(120, 36)) as pilot:
        await dismiss_setup(first, pilot)
        await _sent(first, pilot, "from yesterday", "also from yesterday")
    second = make_app(tmp_path)
    async with second.run_test(size=(120, 36)) as pilot:
        await wait_idle(pilot)  # the history is read in a worker
        prompt = _prompt(second)
        prompt.focus()
        await pilot.press("up")
        assert prompt.text == "also from yesterday"
        await pilot.press("up")
        assert prompt.text == "from yesterday"


def _editor(tmp_path: Path, body: str) -> str:
    """A fake $EDITOR: a Python script run with the file to edit."""
    script = tmp_path / "fake_editor.py"
    script.write_text(f"import sys\nfrom pathlib import Path\npath = Path(sys.argv[1])\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return f"{sys.executable} {script}"


async def test_ctrl_e_round_trips_the_draft_through_the_editor(tmp_path: Path) -> None:
    editor = _editor(
        tmp_path,
        "import os, stat\n"
        "text = path.read_text()\n"
        "mode = stat.S_IMODE(os.stat(path.parent).st_mode)\n"
        f"Path({str(tmp_path / 'seen')!r}).write_text(f'{{path}} {{mode:o}}')\n"
        "path.write_text(text.upper() + ' and more\\n')",
    )
    app = make_app(tmp_path, env={"EDITOR": editor})
    async with app.run_test(size=(120, 36)) as pilot:
        await dismiss_setup(app, pilot)
        prompt = _prompt(app)
        prompt.focus()
        await pilot.press(*"draft")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert prompt.text == "DRAFT and more"
        await pilot.press("ctrl+z")  # the editor's change can be undone
        assert prompt.text == "draft"
    _check_private_and_removed(tmp_path / "seen")


def _check_private_and_removed(seen: Path) -> None:
    """The draft went to a private folder (0700), removed afterwards."""
    path, mode = seen.read_text().split()
    assert mode == "700"
    assert not Path(path).parent.exists()


async def test_an_editor_that_fails_leaves_the_draft(tmp_path: Path) -> None:
    editor = _editor(tmp_path, "path.write_text('garbage')\nsys.exit(3)")
    app = make_app(tmp_path, env={"VISUAL": editor, "EDITOR": "nonexistent-editor"})
    async with app.run_test(size=(120, 36)) as pilot:
        await dismiss_setup(app, pilot)
        prompt = _prompt(app)
        prompt.focus()
        await pilot.press(*"keep me")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert prompt.text == "keep me"
        assert any("exited with status 3" in str(n.message) for n in app._notifications)


async def test_no_editor_or_a_missing_one_is_explained(tmp_path: Path) -> None:
    for number, (env, words) in enumerate(
        (
            ({}, "Set $VISUAL or $EDITOR"),
            ({"EDITOR": "no-such-editor-here --wait"}, "Could not start no-such-editor-here"),
        )
    ):
        app = make_app(tmp_path / str(number), env=env)
        async with app.run_test(size=(120, 36)) as pilot:
            await dismiss_setup(app, pilot)
            prompt = _prompt(app)
            prompt.focus()
            await pilot.press(*"text")
            await pilot.press("ctrl+e")
            await pilot.pause()
            assert prompt.text == "text"
            assert any(words in str(n.message) for n in app._notifications), words


async def test_the_editor_key_can_be_remapped(tmp_path: Path) -> None:
    editor = _editor(tmp_path, "path.write_text('from the editor')")
    app = make_app(tmp_path, env={"EDITOR": editor}, keymap={"prompt.editor": "ctrl+t"})
    async with app.run_test(size=(120, 36)) as pilot:
        await dismiss_setup(app, pilot)
        prompt = _prompt(app)
        prompt.focus()
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert prompt.text == "from the editor"
