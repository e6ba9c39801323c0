"""Pastes reach the prompt whole and in order, and a huge draft stays quick to edit.

The bytes a terminal sends go through the app's own input parser (the one its driver
uses), and the events it makes are posted to the app as the driver posts them.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from textual import events
from textual._xterm_parser import _MAX_SEQUENCE_SEARCH_THRESHOLD
from textual.message import Message

from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.input_parser import BURST, SEQUENCE_LIMIT, InputParser
from gpt_tui.ui.widgets.prompt_input import LONG_LINE, UNWRAPPED_NOTE, PromptInput
from tests.fakes import RecordingProvider, Script, make_app
from tests.ui.helpers import screen_of, wait_idle

REMOTE = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
START, END = "\x1b[200~", "\x1b[201~"
COLOURED = "A \x1b[31mRED\x1b[0m Z"
MIXED = "x\x1b]0;title\x07y\x1b[31mline one\rline two\tline three, and more text\x1b[0m end"


def wrapping(prompt: PromptInput) -> bool:
    """Whether the prompt soft wraps (a call, so that mypy does not narrow the attribute)."""
    return prompt.soft_wrap and not prompt.border_subtitle


def described(found: list[Message]) -> list[tuple[str, str]]:
    return [
        ("paste", e.text) if isinstance(e, events.Paste) else ("key", getattr(e, "key", ""))
        for e in found
    ]


def parse(*reads: str) -> list[tuple[str, str]]:
    parser = InputParser()
    return described([event for data in reads for event in parser.feed(data)])


@pytest.mark.parametrize("text", [COLOURED, MIXED, "ends with ESC \x1b", ""])
def test_a_bracketed_paste_is_one_event_in_its_place(text: str) -> None:
    data = "k" + START + text + END + "\x1b[Aq"  # k, the paste, the up arrow, q
    expected = [("key", "k"), ("paste", text), ("key", "up"), ("key", "q")]
    assert parse(data) == expected
    for cut in range(1, len(data)):  # however the terminal's reads split it
        assert parse(data[:cut], data[cut:]) == expected, cut


def test_a_burst_of_text_is_one_paste_and_typing_stays_keys() -> None:
    line = "The quick brown fox jumps over the lazy dog. 敏捷的狐狸。"
    assert parse(line + "\r") == [("paste", line), ("key", "enter")]
    assert parse("hi") == [("key", "h"), ("key", "i")]
    assert parse("a" * (BURST - 1)) == [("key", "a")] * (BURST - 1)
    # Characters that may still belong to an escape sequence are left to Textual's parser.
    keys = SEQUENCE_LIMIT - len("[A")
    assert parse("\x1b[A" + "b" * 80) == [("key", "up")] + [("key", "b")] * keys + [
        ("paste", "b" * (80 - keys))
    ]


def test_a_burst_never_starts_where_textual_may_still_read_a_sequence() -> None:
    assert SEQUENCE_LIMIT > _MAX_SEQUENCE_SEARCH_THRESHOLD


def test_a_lone_escape_before_a_paste_is_still_the_escape_key() -> None:
    parser = InputParser()
    found = parser.feed("\x1b")
    time.sleep(0.2)
    found += parser.tick()
    found += parser.feed(START + COLOURED + END)
    assert described(found) == [("key", "escape"), ("paste", COLOURED)]


async def feed(app: GptTuiApp, *reads: str) -> None:
    """Post what the terminal sent as the driver does, and let the app handle it."""
    parser = InputParser()
    for data in reads:
        for event in parser.feed(data):
            app.post_message(event)
    await asyncio.sleep(0)


async def test_pasted_escape_sequences_are_kept_in_order_and_shown(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["ok"])])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        await feed(app, "x", START + MIXED + END, "y")
        await pilot.pause()
        shown = "xx␛]0;title␇y␛[31mline one\nline two\tline three, and more text␛[0m endy"
        assert prompt.text == shown
        assert app.focused is prompt  # the pasted tab did not move the focus …
        assert provider.requests == []  # … and the pasted line break did not send
        await feed(app, "\r")
        await wait_idle(pilot)
        assert provider.requests[0].messages[-1]["content"] == shown
        assert screen_of(app).conversation.messages[0].content == shown


async def test_a_long_line_turns_wrapping_off_until_the_draft_is_short(tmp_path: Path) -> None:
    app = make_app(tmp_path, env=REMOTE, provider=RecordingProvider([]), model="gpt-4o-mini")
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        await pilot.press(*"short words wrap as before")
        assert wrapping(prompt)
        prompt.insert("x" * LONG_LINE)
        await pilot.pause()
        assert not wrapping(prompt)
        assert prompt.border_subtitle == UNWRAPPED_NOTE
        assert prompt.wrapped_document.height == 1
        await pilot.press("a")
        assert not wrapping(prompt)  # still long
        prompt.clear()
        await pilot.pause()
        assert wrapping(prompt)


async def test_a_megabyte_without_bracketed_paste_arrives_whole(tmp_path: Path) -> None:
    app = make_app(tmp_path, env=REMOTE, provider=RecordingProvider([]), model="gpt-4o-mini")
    big = ("The quick brown fox jumps over the lazy dog. 敏捷的狐狸。" * 20_000)[:1_000_000]
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        started = time.perf_counter()
        await feed(app, *(big[i : i + 256 * 1024] for i in range(0, len(big), 256 * 1024)))
        async with asyncio.timeout(60):  # a million key events took many minutes
            while len(prompt.text) < len(big):
                await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        assert prompt.text == big
        await pilot.press("!")
        assert prompt.text == big + "!"
    print(f"1 MB without bracketed paste reached the prompt in {elapsed:.2f} s")
