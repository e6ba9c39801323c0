"""Regenerate ``screenshots/tools.svg``: a function call answered by hand and an MCP call
waiting for approval, from the real app with the real ``mcp-server-time``.

Run from the repository root: ``python scripts/tools_screenshot.py`` (after
``pip install -e '.[test]'``, which installs mcp-server-time), the same way as
``scripts/screenshots.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from gpt_tui.cli import build_app
from gpt_tui.core.config.types import ProviderSettings
from gpt_tui.core.domain.tools import ToolCall
from gpt_tui.core.providers.base import (
    ChatProvider,
    ChatRequest,
    StreamEvent,
    TextDelta,
    ToolCallsReported,
)
from gpt_tui.paths import Paths
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.fakes import SteppingTimer

OUT = Path(__file__).resolve().parent.parent / "screenshots"
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)

CONFIG = """\
[defaults]
tools = ["get_weather", "mcp:time/get_current_time"]

[tools.get_weather]
description = "Current weather in a city"
parameters = { type = "object", properties = { city = { type = "string" } } }

[mcp.servers.time]
command = "mcp-server-time"
args = ["--local-timezone", "UTC"]
"""
CALLS = (
    ToolCall("call_Wx81", "get_weather", '{"city": "Paris"}'),
    ToolCall("call_Tm22", "time__get_current_time", '{"timezone": "Europe/Paris"}'),
)


class CallingProvider:
    """Asks for the two calls, like a model offered both tools."""

    label = "screenshot"

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        yield TextDelta("I'll check the weather and the local time.")
        yield ToolCallsReported(CALLS)

    async def aclose(self) -> None:
        """Nothing to release."""


def provider(settings: ProviderSettings) -> ChatProvider:
    return CallingProvider()


async def main() -> int:
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["HOME"] = tmp
        (root / "data").mkdir()
        (root / "data" / "state.json").write_text(json.dumps({"setup_dismissed": True}))
        (root / "config.toml").write_text(CONFIG, encoding="utf-8")
        (root / "config.toml").chmod(0o600)
        app = build_app(
            Paths(config_file=root / "config.toml", data_dir=root / "data"),
            {"OPENAI_API_KEY": "sk-fake-screenshot-key-000000"},
            model="gpt-4o",
            make_provider=provider,
            demo_delay=0.0,
            warm_up=True,
            now=lambda: NOW,
            timer=SteppingTimer(),
            cursor_blink=False,
        )
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            prompt = app.screen.query_one(PromptInput)
            for text in ("Weather and time in Paris?", '{"temp_c": 14, "sky": "light rain"}'):
                prompt.focus()
                prompt.text = text
                await pilot.press("enter")
                await app.workers.wait_for_complete()
                await pilot.pause()
            await pilot.pause()
            path = OUT / "tools.svg"
            path.write_text(app.export_screenshot(title="gpt-tui — tools"), encoding="utf-8")
            await app.services.mcp.aclose()
    print(f"wrote {path.relative_to(OUT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
