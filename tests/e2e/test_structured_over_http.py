"""Structured outputs over real HTTP through the real ``openai`` SDK: the schema goes out in
OpenAI's shape, the reply is shown indented with ✓ or the first error, a refusal is shown
as such, and a response format naming no valid schema is refused before sending."""

from __future__ import annotations

import json
from pathlib import Path

from gpt_tui.ui.app import GptTuiApp
from tests.e2e.test_app_over_http import FAST_FAILING, env_for
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_status, reply_text, screen_of, type_and_send, wait_idle

SCHEMA_CONFIG = """
[defaults]
response_format = "json_schema:answer"

[schemas.answer]
type = "object"
properties = { ok = { type = "boolean" } }
required = ["ok"]
additionalProperties = false
"""


def schema_app(tmp_path: Path, server: FakeOpenAIServer, extra: str = "") -> GptTuiApp:
    write_config(tmp_path, FAST_FAILING + SCHEMA_CONFIG + extra)
    return make_app(tmp_path, env=env_for(server), model="gpt-4o-mini")


async def test_a_schema_reply_is_indented_and_checked(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    fake_server.queue(
        ScriptedReply(text='{"ok":true}', chunk_size=3),
        ScriptedReply(text='{"ok":"yes"}', chunk_size=3),
    )
    app = schema_app(tmp_path, fake_server)
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "Is water wet? Answer in JSON.")
        await wait_idle(pilot)
        assert reply_text(app) == '```json\n{\n  "ok": true\n}\n```\n'
        assert "✓ matches the schema answer" in reply_status(app)
        assert screen_of(app).conversation.messages[-1].content == '{"ok":true}'
        await type_and_send(app, pilot, "And fire?")
        await wait_idle(pilot)
        status = reply_status(app)
        assert (
            "✗ does not match the schema answer at $.ok: 'yes' is not of type 'boolean'" in status
        )
    body = fake_server.requests[0].body
    assert body is not None
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "schema": {
                "type": "object",
                "properties": {"ok": {"type": "boolean"}},
                "required": ["ok"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    }
    saved = json.loads(
        next((tmp_path / "data" / "conversations").glob("*.json")).read_text(encoding="utf-8")
    )
    assert saved["messages"][1]["structured"] == {"schema": "answer", "valid": True}


async def test_a_refusal_is_shown_as_such(tmp_path: Path, fake_server: FakeOpenAIServer) -> None:
    refusal = [{"refusal": "I can't help "}, {"refusal": "with that."}]
    fake_server.queue(ScriptedReply(deltas=refusal))
    app = schema_app(tmp_path, fake_server)
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "Something forbidden")
        await wait_idle(pilot)
        assert "⊘ The model refused: I can't help with that." in reply_status(app)
        reply = screen_of(app).conversation.messages[-1]
        assert reply.refusal == "I can't help with that."
        assert reply.content == ""
        assert reply.structured is None


async def test_an_unknown_schema_is_refused_before_sending(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    broken = SCHEMA_CONFIG.replace('required = ["ok"]', "required = []")
    write_config(tmp_path, FAST_FAILING + broken)
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    notices: list[str] = []
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await pilot.pause()
        notices.extend(str(n.message) for n in app._notifications)  # pyright: ignore[reportPrivateUsage]
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        notices.extend(str(n.message) for n in app._notifications)  # pyright: ignore[reportPrivateUsage]
    assert fake_server.requests == []
    text = "\n".join(notices)
    assert "every property must be required; not listed: ok" in text
    assert "no valid schema [schemas.answer]" in text


async def test_the_panel_offers_each_schema(tmp_path: Path, fake_server: FakeOpenAIServer) -> None:
    from textual.widgets import Select

    write_config(
        tmp_path, FAST_FAILING + SCHEMA_CONFIG.replace('response_format = "json_schema:answer"', "")
    )
    fake_server.queue(ScriptedReply(text='{"ok":false}'))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        select = app.screen.query_one("#param-response_format", Select)
        options = [value for _label, value in select._options]  # pyright: ignore[reportPrivateUsage]
        assert "json_schema:answer" in options
        select.value = "json_schema:answer"
        await pilot.pause()
        await type_and_send(app, pilot, "Answer in JSON")
        await wait_idle(pilot)
        assert "✓ matches the schema answer" in reply_status(app)
    [request] = fake_server.requests
    assert request.body is not None
    assert request.body["response_format"]["json_schema"]["name"] == "answer"
