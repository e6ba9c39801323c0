"""Pilot tests for acting on one message: edit and resend, regenerate, switch branches,
delete, continue a stopped reply, copy a message or one of its code blocks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from textual.pilot import Pilot

from gpt_tui.core.domain.conversation import SCHEMA_VERSION
from gpt_tui.core.domain.message import MessageStatus
from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.chat.palette import chat_commands
from gpt_tui.ui.screens.dialogs import Confirm
from gpt_tui.ui.screens.message_dialogs import CopiedText, PickCodeBlock
from gpt_tui.ui.widgets.chat_view import ReplyView, UserMessageView
from gpt_tui.ui.widgets.message_list import MessageBar, MessageList
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.fakes import RecordingProvider, Script, make_app
from tests.ui.helpers import reply_text, screen_of, type_and_send, wait_idle

REMOTE = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
TWO_BLOCKS = "First:\n\n```python\nprint(1)\n```\n\nSecond:\n\n~~~sh\necho 2\n~~~\n"


def remote_app(root: Path, provider: RecordingProvider, **env: str) -> GptTuiApp:
    return make_app(root, env={**REMOTE, **env}, provider=provider, model="gpt-4o-mini")


def shown(app: GptTuiApp) -> list[str]:
    """The text of every message on screen, top to bottom."""
    texts: list[str] = []
    for view in app.screen.query("UserMessageView, ReplyView"):
        if isinstance(view, UserMessageView):
            texts.append(str(view.render()))
        elif isinstance(view, ReplyView):
            texts.append(view.body.source)
    return texts


def bar_of(app: GptTuiApp, message_id: str) -> MessageBar:
    [bar] = [b for b in app.screen.query(MessageBar) if b.message_id == message_id]
    return bar


def position_text(app: GptTuiApp, message_id: str) -> str:
    bar = bar_of(app, message_id)
    assert bar.display and bar.query_one(".branch-nav").display
    return str(bar.query_one(".branch-position").render()).strip()


async def highlight(app: GptTuiApp, pilot: Pilot[None], index: int) -> str:
    """Focus the chat and move the highlight to the message at ``index`` of the path."""
    chat = app.screen.query_one(MessageList)
    chat.focus()
    await pilot.pause()
    messages = screen_of(app).conversation.messages
    ids = [m.id for m in messages]
    steps = (index % len(messages)) - ids.index(chat.cursor or ids[-1])
    for _ in range(abs(steps)):
        await pilot.press("j" if steps > 0 else "k")
    await pilot.pause()
    assert chat.cursor == messages[index].id
    return messages[index].id


async def two_turns(app: GptTuiApp, pilot: Pilot[None]) -> None:
    await type_and_send(app, pilot, "q1")
    await wait_idle(pilot)
    await type_and_send(app, pilot, "q2")
    await wait_idle(pilot)


async def test_edit_and_resend_forks_and_the_old_branch_comes_back(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a1"]), Script(["a2"]), Script(["a2 edited"])])
    app = remote_app(tmp_path, provider)
    async with app.run_test(size=(140, 60)) as pilot:
        await two_turns(app, pilot)
        prompt = app.screen.query_one(PromptInput)
        prompt.text = "a draft I keep"
        await highlight(app, pilot, 2)
        await pilot.press("e")
        await pilot.pause()
        assert app.focused is prompt
        assert prompt.text == "q2"
        prompt.text = "q2 edited"
        await pilot.press("enter")
        await wait_idle(pilot)
        assert shown(app) == ["q1", "a1", "q2 edited", "a2 edited"]
        assert prompt.text == "a draft I keep"  # the draft comes back after the edit
        assert provider.requests[-1].messages == [
            {"role": "user", "content": "q1"},
            {"role": "assistant", "content": "a1"},
            {"role": "user", "content": "q2 edited"},
        ]
        edited = screen_of(app).conversation.messages[2]
        assert position_text(app, edited.id) == "2/2"
        # The mouse: ‹ on the edited prompt's bar brings back the old prompt and its reply.
        await pilot.click("#chat MessageBar .-branch-previous")
        await pilot.pause()
        assert shown(app) == ["q1", "a1", "q2", "a2"]
        old = screen_of(app).conversation.messages[2]
        assert position_text(app, old.id) == "1/2"
        # The keys: ] goes forward again.
        await highlight(app, pilot, 2)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert shown(app) == ["q1", "a1", "q2 edited", "a2 edited"]
    saved = json.loads(next((tmp_path / "data" / "conversations").glob("*.json")).read_text())
    assert saved["schema_version"] == SCHEMA_VERSION
    assert len(saved["messages"]) == 6


async def test_escape_cancels_an_edit_and_restores_the_draft(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a1"]), Script(["a2"])])
    app = remote_app(tmp_path, provider)
    async with app.run_test(size=(140, 60)) as pilot:
        await two_turns(app, pilot)
        prompt = app.screen.query_one(PromptInput)
        prompt.text = "half-written"
        await highlight(app, pilot, 0)
        await pilot.press("e")
        await pilot.pause()
        assert prompt.text == "q1"
        assert "Editing" in str(app.screen.query_one("#status-line").render())
        await pilot.press("escape")
        await pilot.pause()
        assert prompt.text == "half-written"
        await pilot.press("enter")
        await wait_idle(pilot)
        assert shown(app)[-2:] == ["half-written", "ok"]  # a plain send, not an edit
        assert len(provider.requests) == 3


async def test_regenerate_keeps_both_replies_switchable(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a1"]), Script(["a2"]), Script(["a2 bis"])])
    app = remote_app(tmp_path, provider)
    async with app.run_test(size=(140, 60)) as pilot:
        await two_turns(app, pilot)
        await highlight(app, pilot, 3)
        await pilot.press("g")
        await wait_idle(pilot)
        assert shown(app) == ["q1", "a1", "q2", "a2 bis"]
        assert provider.requests[-1].messages[-1] == {"role": "user", "content": "q2"}
        assert len(provider.requests[-1].messages) == 3
        new = screen_of(app).conversation.messages[3]
        assert position_text(app, new.id) == "2/2"
        await highlight(app, pilot, 3)
        await pilot.press("left")
        await pilot.pause()
        assert reply_text(app) == "a2"
        assert position_text(app, screen_of(app).conversation.messages[3].id) == "1/2"


async def test_delete_asks_then_removes_the_prompt_and_its_reply(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a1"]), Script(["a2"])])
    app = remote_app(tmp_path, provider)
    async with app.run_test(size=(140, 60)) as pilot:
        await two_turns(app, pilot)
        await highlight(app, pilot, 2)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await pilot.pause()
        assert shown(app) == ["q1", "a1", "q2", "a2"]
        await highlight(app, pilot, 2)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert shown(app) == ["q1", "a1"]
    saved = json.loads(next((tmp_path / "data" / "conversations").glob("*.json")).read_text())
    assert [m["content"] for m in saved["messages"]] == ["q1", "a1"]


async def test_continue_a_stopped_reply_grows_the_same_reply(tmp_path: Path) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider(
        [Script(["Once upon ", "never sent"], gate=gate), Script(["a time."])]
    )
    app = remote_app(tmp_path, provider)
    async with app.run_test(size=(140, 60)) as pilot:
        await type_and_send(app, pilot, "tell a story")
        for _ in range(100):
            await pilot.pause()
            if reply_text(app) == "Once upon ":
                break
        await pilot.press("escape")
        await wait_idle(pilot)
        reply = screen_of(app).conversation.messages[-1]
        assert reply.status is MessageStatus.STOPPED
        await highlight(app, pilot, 1)
        assert not bar_of(app, reply.id).query_one(".-continue").has_class("-disabled")
        await pilot.press("m")
        await wait_idle(pilot)
        assert reply_text(app) == "Once upon a time."
        assert len(app.screen.query(ReplyView)) == 1
        assert provider.requests[-1].messages == [
            {"role": "user", "content": "tell a story"},
            {"role": "assistant", "content": "Once upon "},
        ]
        assert screen_of(app).conversation.messages[-1].status is MessageStatus.COMPLETE
        await pilot.pause()
        assert not bar_of(app, reply.id).query(".-continue")  # nothing left to continue


async def test_copy_a_message_and_one_code_block(tmp_path: Path) -> None:
    provider = RecordingProvider([Script([TWO_BLOCKS])])
    app = remote_app(tmp_path, provider)
    async with app.run_test(size=(140, 60)) as pilot:
        await type_and_send(app, pilot, "two blocks please")
        await wait_idle(pilot)
        await highlight(app, pilot, 1)
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == TWO_BLOCKS
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, PickCodeBlock)
        await pilot.press("2")
        await pilot.pause()
        assert app.clipboard == "echo 2"
        await highlight(app, pilot, 0)
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == "two blocks please"
        await pilot.press("c")  # no code block in a prompt: nothing changes
        await pilot.pause()
        assert app.clipboard == "two blocks please"


async def test_in_tmux_the_copied_text_is_also_shown(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["```\nonly block\n```"])])
    app = remote_app(tmp_path, provider, TMUX="/tmp/tmux-0/default,1,0")
    async with app.run_test(size=(140, 60)) as pilot:
        await type_and_send(app, pilot, "q")
        await wait_idle(pilot)
        await highlight(app, pilot, 1)
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == "only block"
        assert isinstance(app.screen, CopiedText)
        assert app.screen.query_one("#copied-text").text == "only block"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CopiedText)


async def test_every_message_action_is_in_the_palette_and_help(tmp_path: Path) -> None:
    from gpt_tui.ui.screens.help import help_rows

    provider = RecordingProvider([Script(["a1"])])
    app = remote_app(tmp_path, provider)
    async with app.run_test(size=(140, 60)) as pilot:
        await type_and_send(app, pilot, "q1")
        await wait_idle(pilot)
        titles = [c.title for c in chat_commands(screen_of(app))]
        for title in ("edit and resend", "regenerate", "continue", "copy a code block", "delete"):
            assert any(title in t for t in titles), title
        app.screen.query_one(MessageList).focus()
        await pilot.pause()
        keys = {row.key for row in help_rows(app.screen)}
        assert {"e", "g", "m", "y", "c", "d"} <= keys


async def test_text_selected_by_mouse_in_a_message_is_copied_with_ctrl_c(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["The reply text is here."])])
    app = remote_app(tmp_path, provider)
    async with app.run_test(size=(140, 60)) as pilot:
        await type_and_send(app, pilot, "select this prompt please")
        await wait_idle(pilot)
        paragraph = app.screen.query_one("ReplyView ReplyBody")
        await pilot.mouse_down(paragraph, offset=(0, 0))
        await pilot.hover(paragraph, offset=(9, 0))
        await pilot.mouse_up(paragraph, offset=(9, 0))
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.clipboard == "The reply "
        assert any("selected text" in n.message for n in app._notifications)
