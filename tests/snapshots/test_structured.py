"""SVG snapshot of structured replies: one that matches its schema (✓) and one that does
not (✗ with the path of the first error), both shown indented."""

from __future__ import annotations

import json
from pathlib import Path

from textual.pilot import Pilot

from gpt_tui.ui.app import GptTuiApp
from tests.fakes import RecordingProvider, Script, make_app, write_config
from tests.snapshots.test_screens import SnapCompare
from tests.ui.helpers import type_and_send, wait_idle

CONFIG = """
[defaults]
response_format = "json_schema:answer"

[schemas.answer]
type = "object"
properties = { ok = { type = "boolean" }, items = { type = "array", items = { type = "integer" } } }
required = ["ok", "items"]
additionalProperties = false
"""


def test_schema_replies_checked(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """Two replies: the first indented JSON with "✓ matches the schema answer" under it,
    the second with "✗ does not match the schema answer at $.items[1]: 'two' is not of
    type 'integer'"."""
    state = tmp_path / "data" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"setup_dismissed": True}), encoding="utf-8")
    write_config(tmp_path, CONFIG)
    provider = RecordingProvider(
        [Script(['{"ok": true, "items": [1, 2]}']), Script(['{"ok": false, "items": [1, "two"]}'])]
    )
    app = make_app(
        tmp_path, env={"OPENAI_API_KEY": "sk-test-0123456789"}, provider=provider, model="gpt-4o"
    )

    async def run_before(pilot: Pilot[None]) -> None:
        assert isinstance(pilot.app, GptTuiApp)
        await type_and_send(pilot.app, pilot, "first, in JSON")
        await wait_idle(pilot)
        await type_and_send(pilot.app, pilot, "second, in JSON")
        await wait_idle(pilot)

    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)
