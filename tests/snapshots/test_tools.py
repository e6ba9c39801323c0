"""SVG snapshots of function calling: tool-call cards with the prompt asking for a result,
and the approval card of an MCP tool (the real ``mcp-server-time``)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from gpt_tui.core.domain.tools import ToolCall
from gpt_tui.core.providers.base import ChatRequest, StreamEvent, TextDelta, ToolCallsReported
from gpt_tui.ui.app import GptTuiApp
from tests.fakes import RecordingProvider, make_app, write_config
from tests.snapshots.test_screens import SnapCompare
from tests.ui.helpers import type_and_send, wait_idle
from tests.unit.test_mcp import TIME_SERVER, needs_time_server

WEATHER_CONFIG = """\
[defaults]
tools = ["get_weather"]

[tools.get_weather]
description = "Current weather in a city"
parameters = { type = "object", properties = { city = { type = "string" } } }
"""


class CallingProvider(RecordingProvider):
    """Answers every request by asking for ``calls`` (after a line of text)."""

    def __init__(self, calls: tuple[ToolCall, ...]) -> None:
        super().__init__()
        self.calls = calls

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        yield TextDelta("Let me look that up.")
        yield ToolCallsReported(self.calls)


def tools_app(root: Path, config: str, calls: tuple[ToolCall, ...]) -> GptTuiApp:
    state = root / "data" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"setup_dismissed": True}), encoding="utf-8")
    write_config(root, config)
    return make_app(
        root,
        env={"OPENAI_API_KEY": "sk-snap-0123456789abcdef"},
        provider=CallingProvider(calls),
        model="gpt-4o-mini",
    )


def test_tool_call_cards_and_the_result_prompt(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """A reply that called two functions: a card each with the name, "call 1 of 2", the id
    at the bottom right and the arguments pretty-printed; the second card's arguments are
    not valid JSON, so its border is red and it shows them raw under a warning. The prompt's
    border asks "result for get_weather, call 1 of 2" and the line above says so."""
    calls = (
        ToolCall("call_1", "get_weather", '{"city": "Paris", "units": "metric"}'),
        ToolCall("call_2", "get_weather", '{"city": "Os'),
    )

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, GptTuiApp)
        await type_and_send(app, pilot, "Weather in Paris and Oslo?")
        await wait_idle(pilot)

    app = tools_app(tmp_path, WEATHER_CONFIG, calls)
    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)


@needs_time_server
def test_mcp_approval_card(
    snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model called the time server's get_current_time: the approval card above the
    prompt has the focus (accent border), names the tool and the server, shows how the
    server runs (bottom right) and the arguments, and says y / a / n; the footer shows
    Run once, Always and Refuse."""
    bin_dir = str(Path(TIME_SERVER).parent)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    config = """\
[defaults]
tools = ["mcp:time/get_current_time"]

[mcp.servers.time]
command = "mcp-server-time"
args = ["--local-timezone", "UTC"]
"""
    calls = (ToolCall("call_t1", "time__get_current_time", '{"timezone": "Europe/Paris"}'),)

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, GptTuiApp)
        await type_and_send(app, pilot, "What time is it in Paris?")
        async with asyncio.timeout(40):
            while app.services.mcp.status()[0].state in ("not started", "starting"):
                await asyncio.sleep(0.1)
        await wait_idle(pilot)
        await pilot.pause()

    assert snap_compare(
        tools_app(tmp_path, config, calls), terminal_size=(160, 48), run_before=run_before
    )
