"""Compare mode in the real app: two columns stream one prompt, 2 keeps the second reply,
the first stays as an alternative labelled with its model and temperature."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from gpt_tui.core.domain.message import ErrorInfo, MessageStatus, Usage
from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.screens.chat import ChatScreen
from gpt_tui.ui.screens.compare import CompareScreen
from gpt_tui.ui.widgets.chat_view import ReplyView
from gpt_tui.ui.widgets.compare_column import CompareColumn
from gpt_tui.ui.widgets.prompt_input import PromptInput
from gpt_tui.ui.widgets.reply_body import ReplyBody
from tests.fakes import RecordingProvider, Script, make_app, write_config
from tests.ui.helpers import run_palette_command, type_and_send, wait_idle

REMOTE = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
COLUMNS = """
[[compare.columns]]
model = "gpt-4o-mini"
temperature = 0.2

[[compare.columns]]
model = "gpt-4.1-mini"
temperature = 1.2
"""


def app_with(root: Path, provider: RecordingProvider, config: str = COLUMNS) -> GptTuiApp:
    write_config(root, config)
    return make_app(root, env=REMOTE, provider=provider, model="gpt-4o-mini")


def compare_screen(app: GptTuiApp) -> CompareScreen:
    assert isinstance(app.screen, CompareScreen)
    return app.screen


def column_texts(screen: CompareScreen) -> list[str]:
    return [c.query_one(ReplyBody).source for c in screen.query(CompareColumn)]


async def test_two_columns_stream_then_two_keeps_the_second(tmp_path: Path) -> None:
    usage = Usage(prompt_tokens=9, completion_tokens=3)
    provider = RecordingProvider(
        [Script(["Cold ", "answer"], usage=usage), Script(["Warm ", "answer"], usage=usage)]
    )
    app = app_with(tmp_path, provider)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await run_palette_command(pilot, "Compare")
        screen = compare_screen(app)
        columns = list(screen.query(CompareColumn))
        assert [c.params.model for c in columns] == ["gpt-4o-mini", "gpt-4.1-mini"]
        assert app.focused is screen.query_one(PromptInput)
        await type_and_send(app, pilot, "Say hi")
        await wait_idle(pilot)
        assert column_texts(screen) == ["Cold answer", "Warm answer"]
        assert [r.temperature for r in provider.requests] == [0.2, 1.2]
        assert [r.model for r in provider.requests] == ["gpt-4o-mini", "gpt-4.1-mini"]
        for column in columns:
            assert "first token" in column.figures and "9 → 3 tok" in column.figures
        summary = str(screen.query_one("#compare-summary").render())
        assert "fastest" in summary
        assert isinstance(app.focused, CompareColumn)  # the focus left the prompt
        await pilot.press("2")
        await pilot.pause()
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        reply = chat.conversation.messages[-1]
        assert reply.content == "Warm answer"
        assert chat.conversation.tree.position(reply.id) == (2, 2)
        views = list(chat.query(ReplyView))
        assert str(views[-1].border_title) == "gpt-4.1-mini · temperature 1.2"
    # Reopened: both replies are there, the kept one shown, each with its label.
    [path] = (tmp_path / "data" / "conversations").glob("*.json")
    saved = json.loads(path.read_text(encoding="utf-8"))
    replies = [m for m in saved["messages"] if m["role"] == "assistant"]
    assert [(m["content"], m["label"]) for m in replies] == [
        ("Cold answer", "gpt-4o-mini · temperature 0.2"),
        ("Warm answer", "gpt-4.1-mini · temperature 1.2"),
    ]
    again = app_with(tmp_path, RecordingProvider())
    async with again.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        chat = again.screen
        assert isinstance(chat, ChatScreen)
        assert chat.conversation.messages[-1].content == "Warm answer"


async def test_an_error_shows_in_its_column_and_a_column_stops_alone(tmp_path: Path) -> None:
    gate = asyncio.Event()
    failure = ErrorInfo("Rate limited (429)", "Wait a moment and retry.", status=429)
    provider = RecordingProvider(
        [
            Script(["never"], fail_with=failure),
            Script(["slow ", "reply"], gate=gate),
            Script(["fine"]),
        ]
    )
    app = app_with(tmp_path, provider)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        screen = compare_screen(app)
        await pilot.press("f9")  # a third column
        await pilot.pause()
        columns = list(screen.query(CompareColumn))
        assert len(columns) == 3
        await type_and_send(app, pilot, "go")
        await asyncio.sleep(0.3)
        await pilot.pause()
        assert "Rate limited (429)" in columns[0].figures
        assert columns[0].has_class("-error")
        columns[1].focus()
        await pilot.press("s")  # stops the second column only
        await wait_idle(pilot)
        replies = [c.reply for c in columns]
        assert [r.status for r in replies if r is not None] == [
            MessageStatus.ERROR,
            MessageStatus.STOPPED,
            MessageStatus.COMPLETE,
        ]
        assert columns[2].query_one(ReplyBody).source == "fine"
        await pilot.press("escape")  # nothing streams: leaves compare mode
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        gate.set()


async def test_narrow_terminal_shows_columns_as_tabs_with_figures(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["one"]), Script(["two"])])
    app = app_with(tmp_path, provider)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        screen = compare_screen(app)
        columns = list(screen.query(CompareColumn))
        assert [c.display for c in columns] == [True, False]
        await type_and_send(app, pilot, "go")
        await wait_idle(pilot)
        from textual.widgets import Tab

        titles = [str(t.label) for t in screen.query(Tab)]
        assert titles[0].startswith("1 · ") and "tok" in titles[0]
        assert titles[1].startswith("2 · ") and "tok" in titles[1]
        await pilot.press("escape")


async def test_a_bad_header_value_is_said_and_nothing_is_sent(tmp_path: Path) -> None:
    provider = RecordingProvider()
    app = app_with(tmp_path, provider, config="")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        screen = compare_screen(app)
        columns = list(screen.query(CompareColumn))
        assert [c.params.model for c in columns] == ["gpt-4o-mini", "gpt-4o-mini"]
        from textual.widgets import Input

        screen.query_one("#c2-temperature", Input).value = "9"
        await type_and_send(app, pilot, "go")
        await pilot.pause()
        assert provider.requests == []
        assert screen.query_one(PromptInput).text == "go"


async def test_quitting_while_columns_stream_saves_each_reply_as_stopped(tmp_path: Path) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider(
        [Script(["first ", "part"], gate=gate), Script(["second ", "part"], gate=gate)]
    )
    app = app_with(tmp_path, provider)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        await type_and_send(app, pilot, "go")
        await asyncio.sleep(0.2)
        await pilot.press("ctrl+q")
        await pilot.pause()
    [path] = (tmp_path / "data" / "conversations").glob("*.json")
    saved = json.loads(path.read_text(encoding="utf-8"))
    replies = [m for m in saved["messages"] if m["role"] == "assistant"]
    assert [(m["content"], m["status"]) for m in replies] == [
        ("first ", "stopped"),
        ("second ", "stopped"),
    ]
