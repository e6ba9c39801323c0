"""SVG snapshots of a reply's reasoning: folded to one line, and unfolded with ``t``."""

from __future__ import annotations

import json
from pathlib import Path

from textual.pilot import Pilot

from gpt_tui.core.domain.message import Usage
from gpt_tui.core.providers.base import ReasoningDelta
from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.widgets.message_list import MessageList
from tests.fakes import RecordingProvider, Script, make_app
from tests.snapshots.test_screens import SnapCompare
from tests.ui.helpers import type_and_send, wait_idle

THOUGHT: list[str | ReasoningDelta] = [
    ReasoningDelta("The user asks for a *haiku* about tea.\n\n"),
    ReasoningDelta("Five, seven, five syllables: steam, leaves, a quiet cup."),
    "Steam curls from the cup  \nleaves unfold in amber light  \nthe kettle falls still",
]


def reasoning_app(root: Path) -> GptTuiApp:
    """A remote model answering with reasoning, the setup screen already dismissed."""
    state = root / "data" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"setup_dismissed": True}), encoding="utf-8")
    provider = RecordingProvider([Script(THOUGHT, usage=Usage(12, 60, reasoning_tokens=41))])
    env = {"OPENAI_API_KEY": "sk-test-0123456789"}
    return make_app(root, env=env, provider=provider, model="deepseek-reasoner")


async def _ask(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, GptTuiApp)
    await type_and_send(app, pilot, "a haiku about tea")
    await wait_idle(pilot)


def test_reasoning_folded(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """The reply starts with one muted italic line "▸ Thought for 0.0 s · 41 tokens" (the
    test's clock barely moves) above the haiku; the reasoning's text is hidden."""
    assert snap_compare(reasoning_app(tmp_path), terminal_size=(160, 48), run_before=_ask)


def test_reasoning_unfolded(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """``t`` on the highlighted reply: the line reads "▾ Thought for …" and the reasoning
    shows under it as muted Markdown (italic *haiku*) with a rule on its left, above the
    answer."""

    async def run_before(pilot: Pilot[None]) -> None:
        await _ask(pilot)
        pilot.app.screen.query_one(MessageList).focus()
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()

    assert snap_compare(reasoning_app(tmp_path), terminal_size=(160, 48), run_before=run_before)
