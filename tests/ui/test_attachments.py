"""Pilot tests of attachments on the chat screen: the ctrl+o picker, chips and removing
them, Tab completion of ``@paths``, quoted paths, the panel's count, F8's shortened image."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from PIL import Image
from textual.pilot import Pilot
from textual.widgets import Input

from gpt_tui.ui.screens.attach_picker import AttachPicker, FilteredTree
from gpt_tui.ui.screens.attachment_preview import AttachmentPreviewScreen
from gpt_tui.ui.screens.request_code import RequestCodeScreen
from gpt_tui.ui.widgets.attachment_chips import AttachmentChip, AttachmentChips
from gpt_tui.ui.widgets.message_list import MessageList
from gpt_tui.ui.widgets.prompt_input import PromptInput, mention_before
from tests.fakes import RecordingProvider, make_app
from tests.ui.helpers import screen_of, type_and_send, wait_idle

REMOTE = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}


def write_png(path: Path, size: tuple[int, int]) -> None:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    path.write_bytes(out.getvalue())


async def attached(pilot: Pilot[None]) -> None:
    """Until the files being attached are read (the picker's own tree workers are
    cancelled when it closes, so not every worker completes)."""
    await pilot.pause()
    async with asyncio.timeout(10):
        while any(w.group == "attachments" and not w.is_finished for w in pilot.app.workers):
            await asyncio.sleep(0.02)
    await pilot.pause()


async def test_picker_adds_a_chip_and_delete_removes_it(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    write_png(files / "chart.png", (1024, 1024))
    (files / "notes.md").write_text("# Notes\n", encoding="utf-8")
    app = make_app(tmp_path, env=REMOTE, model="gpt-4o", provider=RecordingProvider())
    async with app.run_test(size=(160, 48)) as pilot:
        screen = screen_of(app)
        screen.attachments.cwd = files
        screen.query_one(PromptInput).focus()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert type(app.screen).__name__ == AttachPicker.__name__
        await pilot.press(*"chart")
        await pilot.pause(0.3)
        tree = app.screen.query_one(FilteredTree)
        shown = [str(node.label) for node in tree.root.children]
        assert shown == ["chart.png"]
        await pilot.press("enter")  # in the filter: the only file shown is attached
        await attached(pilot)
        assert app.screen is screen
        [chip] = screen.query(AttachmentChip)
        size = screen.attachments.pending[0].size
        assert str(chip.render()) == f"image chart.png {size / 1000:.1f} KB 768×768 · 765 tok ✕"
        assert screen.query_one(AttachmentChips).has_class("-shown")
        chip.focus()
        await pilot.press("delete")
        await pilot.pause()
        assert screen.attachments.pending == ()
        assert not screen.query(AttachmentChip)
        assert not screen.query_one(AttachmentChips).has_class("-shown")


async def test_escape_closes_the_picker_without_attaching(tmp_path: Path) -> None:
    app = make_app(tmp_path, env=REMOTE, model="gpt-4o", provider=RecordingProvider())
    async with app.run_test(size=(160, 48)) as pilot:
        screen = screen_of(app)
        screen.attachments.cwd = tmp_path
        screen.query_one(PromptInput).focus()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.screen.query_one("#attach-filter", Input).has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert screen.attachments.pending == ()


async def test_tab_completes_at_paths_and_quotes_spaces(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "my notes.txt").write_text("hi", encoding="utf-8")
    (tmp_path / "docs" / "my nodes.txt").write_text("ho", encoding="utf-8")
    write_png(tmp_path / "chart.png", (10, 10))
    app = make_app(tmp_path, env=REMOTE, model="gpt-4o", provider=RecordingProvider())
    async with app.run_test(size=(160, 48)) as pilot:
        screen = screen_of(app)
        screen.attachments.cwd = tmp_path
        prompt = screen.query_one(PromptInput)
        prompt.focus()
        await pilot.press(*"look @ch")
        await pilot.press("tab")
        await attached(pilot)
        # One file: it is attached (a chip) and the word leaves the prompt.
        assert prompt.text == "look "
        assert [a.name for a in screen.attachments.pending] == ["chart.png"]
        await pilot.press(*"and @do", "tab")
        await pilot.pause()
        assert prompt.text == "look and @docs/"
        await pilot.press(*"my", "tab")
        await pilot.pause()
        assert prompt.text == 'look and @"docs/my no'  # two files: as far as they agree
        await pilot.press("t", "tab")
        await attached(pilot)
        assert prompt.text == "look and "
        assert [a.name for a in screen.attachments.pending] == ["chart.png", "my notes.txt"]
        # Tab with no @word before the cursor moves on, as before.
        await pilot.press(*"x", "tab")
        await pilot.pause()
        assert not prompt.has_focus


def test_the_word_before_the_cursor() -> None:
    assert mention_before("see @src/ma", 11) == (4, "src/ma")
    assert mention_before('a @"my fi', 9) == (2, "my fi")
    assert mention_before('a @"my file" b', 14) is None
    assert mention_before("mail me@example.com", 19) is None
    assert mention_before("plain", 5) is None


async def test_quoted_path_is_sent_with_its_text_and_the_chip_goes(tmp_path: Path) -> None:
    (tmp_path / "my notes.txt").write_text("remember the milk\n", encoding="utf-8")
    provider = RecordingProvider()
    app = make_app(tmp_path, env=REMOTE, model="gpt-4o", provider=provider)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = screen_of(app)
        screen.attachments.cwd = tmp_path
        await type_and_send(app, pilot, 'Summarise @"my notes.txt" please')
        await wait_idle(pilot)
        assert screen.query_one(PromptInput).text == ""
        assert screen.attachments.pending == ()
    [request] = provider.requests
    assert request.messages[-1]["content"] == (
        "Summarise please\n\nmy notes.txt:\n```\nremember the milk\n```"
    )


async def test_a_path_that_does_not_exist_is_not_sent(tmp_path: Path) -> None:
    provider = RecordingProvider()
    app = make_app(tmp_path, env=REMOTE, model="gpt-4o", provider=provider)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = screen_of(app)
        screen.attachments.cwd = tmp_path
        await type_and_send(app, pilot, "look at @chrat.png")
        await wait_idle(pilot)
        assert screen.query_one(PromptInput).text == "look at @chrat.png"
        # A plain @name is text, not a file.
        await type_and_send(app, pilot, "thanks @sam")
        await wait_idle(pilot)
    [request] = provider.requests
    assert request.messages[-1]["content"] == "thanks @sam"


async def test_f8_shows_the_image_part_with_the_base64_shortened(tmp_path: Path) -> None:
    write_png(tmp_path / "chart.png", (300, 200))
    app = make_app(tmp_path, env=REMOTE, model="gpt-4o", provider=RecordingProvider())
    async with app.run_test(size=(160, 48)) as pilot:
        screen = screen_of(app)
        screen.attachments.cwd = tmp_path
        await screen.attachments.add(["chart.png"])
        screen.query_one(PromptInput).text = "What is it?"
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, RequestCodeScreen)
        python = app.screen.code.python
        assert "'image_url': {'url': 'data:image/png;base64,iVBORw0KGgo" in python
        assert "characters]'" in python
        assert len(python) < 3000


async def test_f_on_a_sent_message_previews_its_files(tmp_path: Path) -> None:
    write_png(tmp_path / "chart.png", (64, 32))
    (tmp_path / "notes.txt").write_text("line one\nline two\n", encoding="utf-8")
    app = make_app(tmp_path, env=REMOTE, model="gpt-4o", provider=RecordingProvider())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = screen_of(app)
        screen.attachments.cwd = tmp_path
        await type_and_send(app, pilot, "look @chart.png @notes.txt")
        await wait_idle(pilot)
        chat = screen.query_one(MessageList)
        chat.focus()
        chat.cursor = screen.conversation.messages[0].id
        await pilot.press("f")
        await attached(pilot)
        shown = app.screen
        assert isinstance(shown, AttachmentPreviewScreen)
        image, text = shown.previews
        assert len(image.cells[0]) == 64  # 64×32 px: 64 columns of 16 two-pixel rows
        assert len(image.cells) == 16
        assert image.cells[0][0] == ((255, 0, 0), (255, 0, 0))
        assert text.lines == ("line one", "line two")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_an_edited_prompt_keeps_its_files_and_the_draft_keeps_its_own(
    tmp_path: Path,
) -> None:
    write_png(tmp_path / "chart.png", (64, 64))
    (tmp_path / "later.txt").write_text("for later", encoding="utf-8")
    provider = RecordingProvider()
    app = make_app(tmp_path, env=REMOTE, model="gpt-4o", provider=provider)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = screen_of(app)
        screen.attachments.cwd = tmp_path
        await type_and_send(app, pilot, "what is this? @chart.png")
        await wait_idle(pilot)
        await screen.attachments.add(["later.txt"])  # a chip of the next prompt's draft
        chat = screen.query_one(MessageList)
        chat.focus()
        chat.cursor = screen.conversation.messages[0].id
        await pilot.press("e")
        await pilot.pause()
        assert [a.name for a in screen.attachments.pending] == ["chart.png"]
        screen.query_one(PromptInput).text = "what colour is this?"
        await pilot.press("enter")
        await wait_idle(pilot)
        assert [a.name for a in screen.attachments.pending] == ["later.txt"]
    edited = provider.requests[-1].messages[-1]["content"]
    assert edited[0] == {"type": "text", "text": "what colour is this?"}
    assert edited[1]["type"] == "image_url"
