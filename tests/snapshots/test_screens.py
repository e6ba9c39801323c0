"""SVG snapshots of each screen and important state (fake provider, frozen clock).

Regenerate after an intended UI change with ``pytest tests/snapshots --snapshot-update``
and look at the report before committing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from gpt_tui.ui.app import GptTuiApp
from tests.fakes import make_app
from tests.ui.helpers import type_and_send, wait_idle

SnapCompare = Callable[..., bool]


def demo_app(root: Path, theme: str | None = None) -> GptTuiApp:
    """The demo model with the first-run setup already dismissed (and a remembered theme)."""
    state = root / "data" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    remembered = {"setup_dismissed": True} | ({"theme": theme} if theme else {})
    state.write_text(json.dumps(remembered), encoding="utf-8")
    return make_app(root)


def test_empty_main_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """Three panes, no chats yet: sidebar hint, empty chat titled "New chat · demo (offline)",
    the parameter panel with model "demo", and the footer with the main keys."""
    assert snap_compare(demo_app(tmp_path), terminal_size=(160, 48))


def test_first_run_setup(
    snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key configured: the setup dialog offers a key, a server URL, or the demo, and
    says where the key is saved (~/config/config.toml here)."""
    monkeypatch.setenv("HOME", str(tmp_path))

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=(160, 48), run_before=run_before)


def test_conversation_with_markdown_and_code(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """A prompt and the demo's reply: heading, highlighted Python code block, numbered list;
    the conversation is listed and highlighted in the sidebar."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, GptTuiApp)
        await type_and_send(app, pilot, "show me some python code")
        await wait_idle(pilot)

    assert snap_compare(demo_app(tmp_path), terminal_size=(160, 48), run_before=run_before)


def test_narrow_terminal(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """80×24: the parameter panel is collapsed, the chat keeps the room."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, GptTuiApp)
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)

    assert snap_compare(demo_app(tmp_path), terminal_size=(80, 24), run_before=run_before)


def test_invalid_parameter(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """temperature 7 is marked invalid with the allowed range under the field."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.click("#param-temperature")
        await pilot.press("7")
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=(160, 48), run_before=run_before)


async def _send(pilot: Pilot[None], text: str) -> None:
    app = pilot.app
    assert isinstance(app, GptTuiApp)
    await type_and_send(app, pilot, text)
    await wait_idle(pilot)


def test_help_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """F1 over the prompt: its keys (Send, Newline…), the chat screen's and the global ones."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=(140, 40), run_before=run_before)


def test_command_palette_with_a_query(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """ctrl+p and "param": the parameter commands, fuzzy-matched and highlighted."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"param")
        await pilot.pause(0.5)
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=(140, 40), run_before=run_before)


def test_panels_collapsed(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """F2 and F3 pressed on a wide terminal: only the chat and the prompt remain."""

    async def run_before(pilot: Pilot[None]) -> None:
        await _send(pilot, "hello")
        await pilot.press("f2")
        await pilot.press("f3")
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=(140, 40), run_before=run_before)


def test_narrow_sidebar_overlay(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """80×24 after F2: the conversation list floats over the chat instead of squeezing it."""

    async def run_before(pilot: Pilot[None]) -> None:
        await _send(pilot, "hello")
        await pilot.press("f2")
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=(80, 24), run_before=run_before)


def test_chinese_conversation(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """A Chinese prompt and the demo's Chinese reply: wide characters take two cells, the
    sidebar title is cut with an ellipsis at a character boundary, Markdown wraps."""

    async def run_before(pilot: Pilot[None]) -> None:
        await _send(pilot, "你好，请用中文介绍一下这个终端聊天工具的主要功能和快捷键")

    assert snap_compare(demo_app(tmp_path), terminal_size=(120, 36), run_before=run_before)


def test_light_theme(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """The textual-light theme with a code block (the code follows the theme)."""

    async def run_before(pilot: Pilot[None]) -> None:
        await _send(pilot, "python code please")

    app = demo_app(tmp_path, theme="textual-light")
    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


def test_dark_theme(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """The same in the dracula theme."""

    async def run_before(pilot: Pilot[None]) -> None:
        await _send(pilot, "python code please")

    app = demo_app(tmp_path, theme="dracula")
    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


def test_remapped_key_in_footer(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """[keymap] prompt.send = "ctrl+s": the footer shows ^s Send."""
    state = tmp_path / "data" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text('{"setup_dismissed": true}', encoding="utf-8")
    app = make_app(tmp_path, keymap={"prompt.send": "ctrl+s"})
    assert snap_compare(app, terminal_size=(140, 30))


def test_message_with_attachments(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """A prompt sent with a 1024×1024 image and a text file: under the prompt's text, the
    line "⎘ chart.png … 768×768 (image), notes.py 13 B (text)"; above the prompt, a chip
    "image diagram.png … 100×50 · 255 tok ✕" waiting for the next prompt."""
    from PIL import Image

    from gpt_tui.ui.screens.chat import ChatScreen

    files = tmp_path / "files"
    files.mkdir()
    Image.new("RGB", (1024, 1024), "navy").save(files / "chart.png")
    Image.new("RGB", (100, 50), "teal").save(files / "diagram.png")
    (files / "notes.py").write_text("print('hi')\n\n", encoding="utf-8")

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, GptTuiApp)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        screen.attachments.cwd = files
        await type_and_send(app, pilot, "What is in these? @chart.png @notes.py")
        await wait_idle(pilot)
        await screen.attachments.add(["diagram.png"])
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=(160, 48), run_before=run_before)
