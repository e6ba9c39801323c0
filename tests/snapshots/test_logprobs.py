"""SVG snapshot of the probability view: a reply's tokens shaded by probability, the cursor
on one token and its top alternatives listed with their probabilities."""

from __future__ import annotations

import json
import math
from pathlib import Path

from textual.pilot import Pilot

from gpt_tui.core.domain.logprobs import TokenLogprob
from gpt_tui.core.providers.base import LogprobsDelta, StreamEvent
from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.widgets.message_list import MessageList
from tests.fakes import RecordingProvider, Script, make_app, write_config
from tests.snapshots.test_screens import SnapCompare
from tests.ui.helpers import type_and_send, wait_idle

WORDS = [
    ("The", 0.97, [("The", 0.97), ("Paris", 0.02)]),
    (" capital", 0.82, [(" capital", 0.82), (" largest", 0.1), (" city", 0.05)]),
    (" of", 0.99, [(" of", 0.99)]),
    (" France", 0.93, [(" France", 0.93), (" the", 0.04)]),
    (" is", 0.6, [(" is", 0.6), (" has", 0.2), (",", 0.1)]),
    (" Paris", 0.41, [(" Paris", 0.41), (" Lyon", 0.33), (" Marseille", 0.12), (" Nice", 0.05)]),
    (".\n\n", 0.88, [(".\n\n", 0.88), ("!", 0.06)]),
    ("It", 0.22, [("It", 0.22), ("The", 0.5)]),
    (" is", 0.95, [(" is", 0.95)]),
    (" lovely", 0.12, [(" famous", 0.45), (" known", 0.3), (" lovely", 0.12)]),
    (".", 0.99, [(".", 0.99)]),
]


def probability_pieces() -> list[str | StreamEvent]:
    pieces: list[str | StreamEvent] = []
    for token, p, top in WORDS:
        pieces.append(token)
        alternatives = tuple((t, math.log(q)) for t, q in top)
        pieces.append(LogprobsDelta((TokenLogprob(token, math.log(p), alternatives),)))
    return pieces


def test_probability_view(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """A box titled "Token probabilities · gpt-4o · 11 tokens": the legend of five shades,
    the reply with " Paris" in reverse video (the cursor), " capital" and " is" lightly
    shaded, "It" and " lovely" in the darkest red; below, "token 6 of 11: ' Paris'
    41.00 %" and four alternatives with bars, ▸ marking the chosen one."""
    state = tmp_path / "data" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"setup_dismissed": True}), encoding="utf-8")
    write_config(tmp_path, "[defaults]\nlogprobs = true\ntop_logprobs = 4\n")
    provider = RecordingProvider([Script(probability_pieces())])
    app = make_app(
        tmp_path, env={"OPENAI_API_KEY": "sk-test-0123456789"}, provider=provider, model="gpt-4o"
    )

    async def run_before(pilot: Pilot[None]) -> None:
        assert isinstance(pilot.app, GptTuiApp)
        await type_and_send(pilot.app, pilot, "capital of France?")
        await wait_idle(pilot)
        pilot.app.screen.query_one(MessageList).focus()
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        await pilot.press(*["right"] * 5)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)
