"""SVG snapshots of the parameter panel per kind of model and of the request-as-code screen
(frozen clock, no network: the demo and a configured-but-unused loopback URL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Collapsible, Input

from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.messages import ModelDataLoaded
from gpt_tui.ui.screens.chat import ChatScreen
from tests.fakes import make_app, write_config

SnapCompare = Callable[..., bool]
CONFIG = """
[provider]
base_url = "http://127.0.0.1:9/v1"
api_key = "sk-snapshot-0123456789abcdef"

[presets.engineer]
system_prompt = "You are a senior engineer."
"""


def app_with(root: Path, model: str) -> GptTuiApp:
    state = root / "data" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"setup_dismissed": True}), encoding="utf-8")
    write_config(root, CONFIG)
    return make_app(root, model=model)


async def show_advanced(pilot: Pilot[None]) -> None:
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ChatScreen)
    # Exact counts in the usage part below the fold change the panel's scroll height: load
    # the model data here, so the picture does not depend on what earlier tests loaded.
    model = screen.conversation.params.model
    screen.services.connections.load_model_data(model)
    screen.post_message(ModelDataLoaded(model))
    await pilot.pause()
    screen.query_one("#advanced", Collapsible).collapsed = False
    screen.query_one("#param-max_tokens", Input).value = "2000"
    screen.query_one("#param-seed", Input).value = "42"
    screen.query_one("#param-stop", Input).value = "\\n\\n | END"
    await settle(pilot)
    screen.query_one("#param-system_prompt").scroll_visible(animate=False, top=True)
    await settle(pilot)


async def settle(pilot: Pilot[None]) -> None:
    """Let every posted message, debounce timer and worker run (a loaded machine is slow
    to get to them, and the usage figures below the fold change the panel's height)."""
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_panel_for_a_reasoning_model(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """o3-mini with the Advanced section open: temperature, top_p and both penalties are
    disabled with "o3-mini ignores …: reasoning models use a fixed sampling temperature"
    under each; max_tokens notes it goes out as max_completion_tokens; reasoning effort is
    enabled (low/medium/high)."""
    assert snap_compare(
        app_with(tmp_path, "o3-mini"), terminal_size=(160, 48), run_before=show_advanced
    )


def test_panel_for_a_chat_model(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """gpt-4o with the Advanced section open: every sampling field enabled, seed 42 and the
    stop sequences "\\n\\n | END" typed; reasoning effort disabled with "gpt-4o ignores
    reasoning_effort: only reasoning models take it"."""
    assert snap_compare(
        app_with(tmp_path, "gpt-4o"), terminal_size=(160, 48), run_before=show_advanced
    )


def test_panel_overlay_at_80x24(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """80×24 after F3: the panel floats over the chat; the preset row and the common fields
    are on top."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("f3")
        await pilot.pause()

    assert snap_compare(app_with(tmp_path, "gpt-4o"), terminal_size=(80, 24), run_before=run_before)


def test_request_as_code(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """F8 with a draft: the Python tab of the next request (OpenAI client reading
    $OPENAI_API_KEY after a note that gpt-tui reads it from config.toml, base_url, the
    create() call with seed 42 and the draft as the user message)."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        pilot.app.screen.query_one("#param-seed", Input).value = "42"
        pilot.app.screen.query_one("#prompt").text = "What is a monad?"  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("f8")
        await pilot.pause()

    assert snap_compare(
        app_with(tmp_path, "gpt-4o"), terminal_size=(120, 40), run_before=run_before
    )
