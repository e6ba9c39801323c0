"""Pilot tests that drive the real app: send, stream, stop, switch, persist."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from gpt_tui.core.domain.message import ErrorInfo, MessageStatus, Usage
from gpt_tui.core.providers.demo import demo_reply
from gpt_tui.ui.screens.chat import ChatScreen
from gpt_tui.ui.widgets.chat_view import ChatView, ReplyView, UserMessageView
from gpt_tui.ui.widgets.prompt_input import PromptInput
from gpt_tui.ui.widgets.sidebar import ConversationList, Sidebar
from tests.fakes import RecordingProvider, Script, make_app, paths_in
from tests.ui.helpers import (
    dismiss_setup,
    reply_text,
    screen_of,
    type_and_send,
    wait_idle,
)


def stored(root: Path) -> list[dict[str, Any]]:
    """The saved conversation files, as JSON."""
    files = sorted((root / "data" / "conversations").glob("*.json"))
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def panels(screen: ChatScreen) -> tuple[bool, bool]:
    """(sidebar shown, parameter panel shown)."""
    return screen.sidebar_visible, screen.params_visible


REMOTE = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}


async def test_first_launch_without_key_offers_setup_and_demo(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "SetupScreen"
        await pilot.press("escape")
        await pilot.pause()
        screen = screen_of(app)
        assert screen.conversation.params.model == "demo"
        assert app.focused is screen.query_one(PromptInput)
    # Dismissing the setup is remembered: the next launch goes straight to the chat.
    again = make_app(tmp_path)
    async with again.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, ChatScreen)


async def test_send_streams_reply_saves_it_and_relaunch_restores_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await pilot.press(*"show me a table")
        await pilot.press("enter")
        await wait_idle(pilot)
        assert app.screen.query_one(PromptInput).text == ""
        users = list(app.screen.query(UserMessageView))
        assert [u.message_id for u in users] == [screen_of(app).conversation.messages[0].id]
        assert reply_text(app) == demo_reply("show me a table")
        assert "Parameters at a glance" in reply_text(app)
        options = app.screen.query_one(ConversationList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids == [None, screen_of(app).conversation.id]  # "Today", then the chat
    [saved] = stored(tmp_path)
    messages = saved["messages"]
    assert isinstance(messages, list)
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[1]["content"] == demo_reply("show me a table")
    assert messages[1]["status"] == "complete"
    assert saved["title"] == "show me a table"

    relaunched = make_app(tmp_path)
    async with relaunched.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        conversation = screen_of(relaunched).conversation
        assert conversation.id == saved["id"]
        assert [m.content for m in conversation.messages] == [m["content"] for m in messages]
        assert reply_text(relaunched) == demo_reply("show me a table")


async def test_parameters_go_into_the_next_request_and_are_saved(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["one"]), Script(["two"])])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "first question")
        await wait_idle(pilot)
        await pilot.click("#param-temperature")
        await pilot.press(*"0.3")
        await pilot.click("#param-max_tokens")
        await pilot.press(*"256")
        system = app.screen.query_one("#param-system_prompt")
        system.focus()
        await pilot.press(*"Be brief.")
        await pilot.pause()
        await type_and_send(app, pilot, "second question")
        await wait_idle(pilot)
    first, second = provider.requests
    assert first.temperature is None
    assert first.messages == [{"role": "user", "content": "first question"}]
    assert second.model == "gpt-4o-mini"
    assert second.temperature == 0.3
    assert second.max_tokens == 256
    assert second.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "one"},
        {"role": "user", "content": "second question"},
    ]
    [saved] = stored(tmp_path)
    assert saved["params"] == {
        "model": "gpt-4o-mini",
        "temperature": 0.3,
        "top_p": None,
        "max_tokens": 256,
        "system_prompt": "Be brief.",
        "context": "all",
        "context_turns": 10,
        "profile": None,
    }


async def test_invalid_parameter_is_shown_and_never_sent(tmp_path: Path) -> None:
    provider = RecordingProvider()
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.click("#param-temperature")
        await pilot.press(*"7")
        await pilot.click("#param-max_tokens")
        await pilot.press(*"abc")
        await pilot.pause()
        error = app.screen.query_one("#error-temperature")
        assert error.display
        assert "0 to 2" in str(error.render())
        assert app.screen.query_one("#error-max_tokens").display
        await type_and_send(app, pilot, "hello")
        await pilot.pause()
        assert provider.requests == []
        assert app.screen.query_one(PromptInput).text == "hello"  # the draft is kept
        assert not (tmp_path / "data" / "conversations").exists()


async def test_escape_stops_the_stream_and_keeps_the_partial_reply(tmp_path: Path) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider([Script(["partial ", "never shown"], gate=gate)])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "tell me a long story")
        for _ in range(100):
            await pilot.pause()
            if "partial" in reply_text(app):
                break
        await pilot.press("escape")
        await wait_idle(pilot)
        conversation = screen_of(app).conversation
        reply = conversation.messages[-1]
        assert reply.status is MessageStatus.STOPPED
        assert reply.content == "partial "
        status = app.screen.query(ReplyView).last().query_one(".reply-status")
        assert "stopped" in str(status.render())
        # Esc does nothing harmful when nothing streams.
        await pilot.press("escape")
    [saved] = stored(tmp_path)
    messages = saved["messages"]
    assert isinstance(messages, list)
    assert messages[-1]["status"] == "stopped"
    assert messages[-1]["content"] == "partial "


async def test_switching_conversations_mid_stream_keeps_both(tmp_path: Path) -> None:
    gate = asyncio.Event()
    provider = RecordingProvider([Script(["first reply"]), Script(["slow ", "reply"], gate=gate)])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "conversation A")
        await wait_idle(pilot)
        first_id = screen_of(app).conversation.id
        await pilot.press("ctrl+n")
        await type_and_send(app, pilot, "conversation B")
        await pilot.pause()
        second_id = screen_of(app).conversation.id
        assert app.services.chat.is_streaming(second_id)
        # Open A while B streams; the prompt stays usable.
        options = app.screen.query_one(ConversationList)
        options.focus()
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index(first_id)
        await pilot.press("enter")
        await pilot.pause()
        assert screen_of(app).conversation.id == first_id
        assert reply_text(app) == "first reply"
        assert app.focused is app.screen.query_one(PromptInput)  # ready to type
        gate.set()
        await wait_idle(pilot)
        options.focus()
        options.highlighted = [
            options.get_option_at_index(i).id for i in range(options.option_count)
        ].index(second_id)
        await pilot.press("enter")
        await pilot.pause()
        assert screen_of(app).conversation.id == second_id
        assert reply_text(app) == "slow reply"
    contents = {s["id"]: s["messages"] for s in stored(tmp_path)}
    assert [m["content"] for m in contents[second_id]] == ["conversation B", "slow reply"]


async def test_server_error_shows_inline_and_resend_keeps_one_prompt(tmp_path: Path) -> None:
    failure = ErrorInfo("Could not connect to 127.0.0.1:9", "Check that the server is running.")
    provider = RecordingProvider(
        [Script([], fail_with=failure), Script(["recovered"], usage=Usage(5, 1))]
    )
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "are you there?")
        await wait_idle(pilot)
        failed = app.screen.query(ReplyView).last()
        assert failed.has_class("-error")
        text = str(failed.query_one(".reply-status").render())
        assert "Could not connect" in text
        assert "Check that the server is running." in text
        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        conversation = screen_of(app).conversation
        # The failed box (no text) is replaced by the new reply, not stacked under it.
        assert [m.role for m in conversation.messages] == ["user", "assistant"]
        assert len(app.screen.query(ReplyView)) == 1
        assert not app.screen.query(".reply.-error")
        assert conversation.messages[-1].content == "recovered"
        assert conversation.messages[-1].usage == Usage(5, 1)
    assert provider.requests[1].messages == [{"role": "user", "content": "are you there?"}]


async def test_no_key_with_remote_model_explains_what_to_do(tmp_path: Path) -> None:
    app = make_app(tmp_path, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await type_and_send(app, pilot, "hello")
        await wait_idle(pilot)
        status = str(app.screen.query(ReplyView).last().query_one(".reply-status").render())
        assert "No API key" in status
        assert "F4" in status


async def test_narrow_terminal_collapses_panels_and_keys_toggle_them(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await dismiss_setup(app, pilot)
        screen = screen_of(app)
        assert panels(screen) == (False, False)  # the chat gets the room
        await pilot.press("f2")
        assert panels(screen) == (True, False)  # opens over the chat
        await pilot.press("f3")
        assert panels(screen) == (False, True)  # one side panel at a time when narrow
        await pilot.press("f3")
        assert panels(screen) == (False, False)
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert panels(screen) == (True, True)  # wide again: both come back


async def test_tab_goes_from_the_prompt_straight_to_the_parameter_fields(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await pilot.press("tab")
        assert app.focused is not None
        assert app.focused.id == "param-model"
        await pilot.press("ctrl+l")
        assert isinstance(app.focused, PromptInput)


async def test_text_and_enter_in_one_burst_are_sent_in_order(tmp_path: Path) -> None:
    """Keys that arrive together (tmux send-keys, a fast typist, a paste without bracketed
    paste mode) must not let Enter overtake the characters before it."""
    from textual import events

    provider = RecordingProvider([Script(["ok"])])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        for key, char in [("a", "a"), ("b", "b"), ("ctrl+j", None), ("c", "c"), ("enter", "\r")]:
            app.post_message(events.Key(key, char))
        await wait_idle(pilot)
        await pilot.pause()
        assert [m["content"] for m in provider.requests[0].messages] == ["ab\nc"]
        assert app.screen.query_one(PromptInput).text == ""


async def test_drafts_are_kept_per_conversation_across_switches_and_restarts(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await type_and_send(app, pilot, "chat one")
        await wait_idle(pilot)
        first = screen_of(app).conversation.id
        prompt = app.screen.query_one(PromptInput)
        prompt.text = "half-written thought for chat one"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert prompt.text == ""
        await type_and_send(app, pilot, "chat two")
        await wait_idle(pilot)
        prompt.text = "draft for chat two"
        app.screen.post_message(Sidebar.Chosen(first))
        await pilot.pause()
        assert prompt.text == "half-written thought for chat one"
        await app.action_quit()
    again = make_app(tmp_path)
    async with again.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert screen_of(again).conversation.id == first
        assert again.screen.query_one(PromptInput).text == "half-written thought for chat one"


async def test_a_prompt_on_the_command_line_starts_a_chat_and_sends_it(tmp_path: Path) -> None:
    from gpt_tui.cli import build_app, parse_args

    args = parse_args(["show me a table", "--model", "demo"])
    assert args.prompt == "show me a table"
    assert parse_args(["--continue"]).resume
    app = build_app(
        paths_in(tmp_path),
        {},
        model=args.model,
        demo_delay=0.0,
        warm_up=False,
        initial_prompt=args.prompt,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await wait_idle(pilot)
        conversation = screen_of(app).conversation
        assert [m.content for m in conversation.messages] == [
            "show me a table",
            demo_reply("show me a table"),
        ]


async def test_long_conversation_opens_with_its_latest_page(tmp_path: Path) -> None:
    from gpt_tui.core.domain.conversation import Conversation, Params
    from gpt_tui.core.domain.message import Message
    from gpt_tui.core.store.conversations import ConversationStore
    from gpt_tui.ui.widgets.chat_view import FIRST_PAGE, PAGE

    store = ConversationStore(paths_in(tmp_path).data_dir)
    messages = [Message("user" if i % 2 == 0 else "assistant", f"message {i}") for i in range(500)]
    store.save(Conversation(params=Params(model="demo"), title="long", messages=messages))
    store.save_state(
        {"setup_dismissed": True, "last_conversation_id": store.list_summaries()[0].id}
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        views = [*app.screen.query(UserMessageView), *app.screen.query(ReplyView)]
        assert len(views) == FIRST_PAGE
        assert "484 earlier messages" in str(app.screen.query_one("#earlier").render())
        chat = app.screen.query_one("#chat", ChatView)
        chat.focus()
        await pilot.press("ctrl+u")
        await pilot.pause()
        views = [*app.screen.query(UserMessageView), *app.screen.query(ReplyView)]
        assert len(views) == FIRST_PAGE + PAGE
        first = app.screen.query(UserMessageView).first()
        assert first.message_id == messages[500 - FIRST_PAGE - PAGE].id

        # Scrolling to the top mounts the next page and keeps the same message in view.
        top = chat.children[1]  # the first message, below the marker
        before = top.virtual_region.y  # where it shows when scrolled to the top
        await pilot.press("home")
        await pilot.pause()
        await pilot.pause()
        views = [*app.screen.query(UserMessageView), *app.screen.query(ReplyView)]
        assert len(views) == FIRST_PAGE + 2 * PAGE
        assert chat.scroll_y > 0
        assert top.virtual_region.y - chat.scroll_y == before


async def test_sidebar_rename_pin_delete_and_undo(tmp_path: Path) -> None:
    from textual.widgets import Input

    from gpt_tui.ui.screens.dialogs import AskText, Confirm

    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await type_and_send(app, pilot, "first chat")
        await wait_idle(pilot)
        first = screen_of(app).conversation.id
        await pilot.press("ctrl+n")
        await type_and_send(app, pilot, "second chat")
        await wait_idle(pilot)
        options = app.screen.query_one(ConversationList)
        options.focus()
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index(first)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, AskText)
        app.screen.query_one(Input).value = "Renamed"
        await pilot.press("enter")
        await pilot.pause()
        assert app.services.chat.open(first).title == "Renamed"
        await pilot.press("p")
        await pilot.pause()
        assert app.services.chat.open(first).pinned
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids[:2] == [None, first]  # "Pinned" header, then the pinned chat
        options.highlighted = 1
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await pilot.pause()
        assert first not in [s.id for s in app.services.chat.list_conversations()]
        assert (tmp_path / "data" / "trash" / f"{first}.json").exists()
        options.focus()
        await pilot.press("u")
        await pilot.pause()
        assert first in [s.id for s in app.services.chat.list_conversations()]
        assert screen_of(app).conversation.id == first


async def test_a_generated_title_shows_in_the_sidebar_and_the_chat_header(tmp_path: Path) -> None:
    from textual.widgets import Static

    from tests.fakes import RecordingProvider, Script, write_config

    write_config(tmp_path, "[titles]\ngenerate = true\n")
    env = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    provider = RecordingProvider([Script(["Plenty."]), Script(["Counting", " sheep"])])
    app = make_app(tmp_path, env=env, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "how many sheep are there in Wales?")
        await wait_idle(pilot)
        for _ in range(20):
            if screen_of(app).conversation.title == "Counting sheep":
                break
            await pilot.pause(0.05)
        options = app.screen.query_one(ConversationList)
        assert "Counting sheep" in str(options.get_option_at_index(options.option_count - 1).prompt)
        header = str(app.screen.query_one("#chat-title", Static).render())
        assert header.startswith("Counting sheep")
