"""Pilot tests of MCP tool calls in the real app: "always" approval, Esc on a running call,
and the limit of rounds after one prompt (a small MCP server of our own, over stdio)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from textual.pilot import Pilot

from gpt_tui.core.domain.tools import ToolCall
from gpt_tui.core.providers.base import ChatRequest, StreamEvent, TextDelta, ToolCallsReported
from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.chat.tools import DECLINED
from gpt_tui.ui.widgets.tool_cards import ToolApproval
from tests.fakes import RecordingProvider, make_app, write_config
from tests.ui.helpers import reply_text, screen_of, type_and_send
from tests.unit.test_mcp import SLOW_SERVER


class ScriptedCalls(RecordingProvider):
    """Answers each request with the next script: tool calls, or text."""

    def __init__(self, replies: list[tuple[ToolCall, ...] | str]) -> None:
        super().__init__()
        self.replies = replies

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        reply = self.replies.pop(0) if self.replies else "the end"
        if isinstance(reply, str):
            yield TextDelta(reply)
        else:
            yield ToolCallsReported(reply)


def wait_call(call_id: str, seconds: float) -> tuple[ToolCall, ...]:
    return (ToolCall(call_id, "slow__wait", json.dumps({"seconds": seconds})),)


MAX_TOOL_ROUNDS = 3


def app_with(root: Path, provider: ScriptedCalls) -> GptTuiApp:
    write_config(
        root,
        f'[defaults]\ntools = ["mcp:slow"]\nmax_tool_rounds = {MAX_TOOL_ROUNDS}\n\n'
        "[mcp.servers.slow]\n"
        f"command = {json.dumps(sys.executable)}\nargs = [{json.dumps(str(SLOW_SERVER))}]\n",
    )
    return make_app(root, env={"OPENAI_API_KEY": "sk-test-0123456789"}, provider=provider)


async def until(pilot: Pilot[None], check: object, seconds: float = 60) -> None:
    """Until ``check()`` holds, letting the app run."""
    assert callable(check)
    async with asyncio.timeout(seconds):
        while not check():
            await pilot.pause(0.05)


def tool_results(provider: ScriptedCalls) -> list[str]:
    return [str(m["content"]) for m in provider.requests[-1].messages if m["role"] == "tool"]


async def test_always_runs_the_tool_again_without_asking(tmp_path: Path) -> None:
    provider = ScriptedCalls([wait_call("c1", 0), wait_call("c2", 0), "both waited"])
    app = app_with(tmp_path, provider)
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "wait twice")
        approval = screen_of(app).query_one(ToolApproval)
        await until(pilot, lambda: approval.display)
        assert approval.has_focus
        await pilot.press("a")
        await until(pilot, lambda: reply_text(app) == "both waited")
        assert not approval.display
        await app.services.mcp.aclose()
    assert tool_results(provider) == ["waited 0.0 s", "waited 0.0 s"]


async def test_esc_stops_a_running_call_and_the_card_asks_again(tmp_path: Path) -> None:
    provider = ScriptedCalls([wait_call("c1", 30), "declined, fine"])
    app = app_with(tmp_path, provider)
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "wait long")
        screen = screen_of(app)
        approval = screen.query_one(ToolApproval)
        await until(pilot, lambda: approval.display)
        await pilot.press("y")
        await until(pilot, lambda: screen.tool_results.running)
        await pilot.press("escape")
        await until(pilot, lambda: approval.display and approval.has_focus)
        assert not screen.tool_results.running
        assert screen.services.chat.pending_tool_calls(screen.conversation) == list(
            wait_call("c1", 30)
        )
        await pilot.press("n")
        await until(pilot, lambda: reply_text(app) == "declined, fine")
        await app.services.mcp.aclose()
    assert tool_results(provider) == [DECLINED]


async def test_tool_rounds_stop_after_the_limit(tmp_path: Path) -> None:
    rounds: list[tuple[ToolCall, ...] | str] = [
        wait_call(f"c{i}", 0) for i in range(MAX_TOOL_ROUNDS + 2)
    ]
    provider = ScriptedCalls(rounds)
    app = app_with(tmp_path, provider)
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "loop")
        approval = screen_of(app).query_one(ToolApproval)
        await until(pilot, lambda: approval.display)
        await pilot.press("a")
        screen = screen_of(app)
        await until(
            pilot,
            lambda: (
                sum(bool(m.tool_calls) for m in screen.conversation.messages) == MAX_TOOL_ROUNDS
                and screen.conversation.messages[-1].role == "tool"
                and not screen.tool_results.running
            ),
        )
        await pilot.pause(0.5)
        assert len(provider.requests) == MAX_TOOL_ROUNDS  # no follow-up after the last round
        assert screen.services.chat.can_retry(screen.conversation)  # ctrl+r would send it
        await app.services.mcp.aclose()
