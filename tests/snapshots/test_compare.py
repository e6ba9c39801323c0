"""SVG snapshot of compare mode: two columns answered the same prompt."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from gpt_tui.core.domain.message import Usage
from gpt_tui.ui.app import GptTuiApp
from tests.fakes import RecordingProvider, Script, make_app, write_config
from tests.snapshots.test_screens import SnapCompare
from tests.ui.helpers import type_and_send, wait_idle
from tests.ui.test_compare import COLUMNS, REMOTE

COLD = "## Haiku\n\nCold sea at dawn —\n*gulls* write on the grey water,\nthe tide erases.\n"
WARM = "Waves **laugh** at the moon,\n\n- salt\n- foam\n- a `boat` adrift\n"


def test_two_columns_with_their_figures(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """Two columns, "gpt-4o-mini · temperature 0.2" and "gpt-4.1-mini · temperature 1.2",
    each with its header (labelled fields), its Markdown reply and its figures line (first
    token, prompt → completion tokens, cost; the tests' stepping clock makes the streams too
    short for a tokens-per-second figure), the summary line naming the fastest (whole
    soonest, as the streams are too short to time) and the cheapest, the focus
    on the first column (after all ended), and the footer with the keep and stop keys."""
    usage = Usage(prompt_tokens=24, completion_tokens=30)
    write_config(tmp_path, COLUMNS)
    provider = RecordingProvider(
        [Script([COLD], usage=usage), Script([WARM[:20], WARM[20:]], usage=usage)]
    )
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")

    async def run_before(pilot: Pilot[None]) -> None:
        assert isinstance(pilot.app, GptTuiApp)
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        await type_and_send(pilot.app, pilot, "A haiku about the sea, please.")
        await wait_idle(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 36), run_before=run_before)
