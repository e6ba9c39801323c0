"""SVG snapshots of each screen and important state (fake provider, frozen clock).

Regenerate after an intended UI change with ``pytest tests/snapshots --snapshot-update``
and look at the report before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from gpt_tui.ui.app import GptTuiApp
from tests.fakes import make_app
from tests.ui.helpers import type_and_send, wait_idle

SnapCompare = Callable[..., bool]


def demo_app(root: Path) -> GptTuiApp:
    """The demo model with the first-run setup already dismissed."""
    state = root / "data" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text('{"setup_dismissed": true}', encoding="utf-8")
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
