"""MCP end to end: the real app, the real ``openai`` SDK against the loopback server, and the
real ``mcp-server-time`` through the official ``mcp`` SDK: list, approve, run, result back."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from textual.pilot import Pilot

from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.chat.tools import DECLINED
from gpt_tui.ui.widgets.tool_cards import ToolApproval, ToolResultView
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_text, screen_of, type_and_send
from tests.unit.test_mcp import TIME_SERVER, needs_time_server

pytestmark = needs_time_server

KEY = "sk-e2e-mcp-0123456789abcdef"


def config(auto_approve: str = "") -> str:
    return f"""\
[provider]
max_retries = 0
timeout = 5.0

[defaults]
tools = ["mcp:time/get_current_time"]

[mcp.servers.time]
command = {json.dumps(TIME_SERVER)}
args = ["--local-timezone", "UTC"]
timeout = 30
auto_approve = [{auto_approve}]
"""


def time_call(call_id: str = "call_t1") -> ScriptedReply:
    return ScriptedReply(
        deltas=[
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": call_id,
                        "type": "function",
                        "function": {"name": "time__get_current_time", "arguments": ""},
                    }
                ]
            },
            {"tool_calls": [{"index": 0, "function": {"arguments": '{"timezone": "UTC"}'}}]},
        ],
        finish_reason="tool_calls",
    )


async def settle(pilot: Pilot[None], seconds: float = 40) -> None:
    """Until every worker is done (MCP servers take a few seconds to start)."""
    async with asyncio.timeout(seconds):
        while True:
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            if not any(w.is_running for w in pilot.app.workers):
                return


async def approval_shown(app: GptTuiApp, pilot: Pilot[None]) -> ToolApproval:
    await settle(pilot)
    approval = screen_of(app).query_one(ToolApproval)
    assert approval.display and approval.has_focus
    return approval


def sent_result(server: FakeOpenAIServer) -> dict[str, object]:
    body = server.requests[-1].body
    assert body is not None
    last = body["messages"][-1]
    assert isinstance(last, dict)
    return last


async def test_a_time_call_is_approved_run_and_its_result_sent_back(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, config())
    fake_server.queue(time_call(), ScriptedReply(text="It is morning in UTC."))
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "What time is it?")
        approval = await approval_shown(app, pilot)
        assert str(approval.border_title) == "Run time__get_current_time on the MCP server time?"
        first = fake_server.requests[0].body
        assert first is not None
        assert [t["function"]["name"] for t in first["tools"]] == ["time__get_current_time"]
        await pilot.press("y")
        await settle(pilot)
        assert reply_text(app) == "It is morning in UTC."
        assert not approval.display
        assert len(screen_of(app).query(ToolResultView)) == 1
        await app.services.mcp.aclose()
    result = sent_result(fake_server)
    assert result["role"] == "tool" and result["tool_call_id"] == "call_t1"
    assert isinstance(result["content"], str)
    assert json.loads(result["content"])["timezone"] == "UTC"


async def test_refusing_tells_the_model_and_auto_approve_skips_the_question(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, config())
    fake_server.queue(time_call(), ScriptedReply(text="Okay, I won't."))
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "What time is it?")
        await approval_shown(app, pilot)
        await pilot.press("n")
        await settle(pilot)
        assert reply_text(app) == "Okay, I won't."
        await app.services.mcp.aclose()
    assert sent_result(fake_server)["content"] == DECLINED


async def test_auto_approved_tools_run_without_asking(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, config(auto_approve='"get_current_time"'))
    fake_server.queue(time_call("call_auto"), ScriptedReply(text="Done."))
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.base_url}
    app = make_app(tmp_path, env=env, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "What time is it?")
        await settle(pilot)
        await settle(pilot)
        assert reply_text(app) == "Done."
        assert not screen_of(app).query_one(ToolApproval).display
        await app.services.mcp.aclose()
    assert sent_result(fake_server)["tool_call_id"] == "call_auto"
