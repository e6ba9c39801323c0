"""Hostile and unusual text, from the model and from the user: shown literally, never acted on."""

from __future__ import annotations

import asyncio
import html
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from textual.command import CommandPalette
from textual.pilot import Pilot

from gpt_tui.core.domain.text import printable
from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.fakes import RecordingProvider, Script, make_app
from tests.ui.helpers import (
    import_role_file,
    rename_from_list,
    screen_of,
    search_hits,
    type_and_send,
    wait_idle,
)

REMOTE = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}

MARKUP = "[bold red]not bold[/] [link=https://evil.example]x[/link] [@click=app.quit]quit[/]"
ANSI = (
    "\x1b[31mred\x1b[0m \x1b[2J\x1b[H \x1b]52;c;ZXZpbA==\x07 "
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x1b]0;pwned\x07 end"
)
CONTROLS = "nul\x00 bell\x07 bs\x08 del\x7f csi\x9b cr\r end"
UNICODE = "中文宽字符 👩‍👩‍👧 emoji, עברית RTL, combining e\u0301 and 🇨🇳"
NESTED = (
    "\n".join("> " * depth + f"level {depth}" for depth in range(1, 60))
    + "\n\n"
    + "\n".join("  " * depth + f"- item {depth}" for depth in range(60))
)
LONG_LINE = "x" * 100_000


def screen_text(app: GptTuiApp) -> str:
    """Everything drawn on screen, as plain text (from an SVG screenshot)."""
    svg = app.export_screenshot()
    parts = re.findall(r"<text[^>]*>(.*?)</text>", svg)
    return html.unescape("".join(parts)).replace("\xa0", " ")


async def still_responds(app: GptTuiApp, pilot: Pilot[None]) -> None:
    """The app handles keys: a new chat opens and the prompt takes text."""
    before = screen_of(app).conversation.id
    await pilot.press("ctrl+n")
    await pilot.pause()
    assert screen_of(app).conversation.id != before
    await pilot.press(*"ok")
    assert app.screen.query_one(PromptInput).text == "ok"


@pytest.mark.parametrize(
    ("name", "hostile", "visible"),
    [
        ("markup", MARKUP, ["[bold red]not bold[/]", "[@click=app.quit]quit[/]"]),
        ("ansi", ANSI, ["␛[31mred", "␛]52;c;ZXZpbA==", "␛]0;pwned", "end"]),
        ("controls", CONTROLS, ["nul␀", "del␡", "end"]),
        ("unicode", UNICODE, ["中文宽字符", "עברית", "🇨🇳"]),
    ],
)
async def test_hostile_text_is_shown_literally(
    tmp_path: Path, name: str, hostile: str, visible: list[str]
) -> None:
    provider = RecordingProvider([Script([hostile[:20], hostile[20:]])])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(200, 50)) as pilot:
        await type_and_send(app, pilot, hostile)  # from the user …
        await wait_idle(pilot)  # … and back from the model
        text = screen_text(app)
        assert "\x1b" not in text
        assert "\x00" not in text
        for fragment in visible:
            assert text.count(fragment) >= 2, (name, fragment)  # prompt and reply
        assert app.is_running  # [@click=app.quit] did nothing
        # What was stored is exactly what was sent and received.
        conversation = screen_of(app).conversation
        assert conversation.messages[0].content == hostile
        assert conversation.messages[1].content == hostile
        assert provider.requests[0].messages[-1]["content"] == hostile
        await still_responds(app, pilot)


async def test_deeply_nested_markdown_renders(tmp_path: Path) -> None:
    provider = RecordingProvider([Script([NESTED])])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "nest")
        await wait_idle(pilot)
        assert screen_of(app).conversation.messages[-1].content == NESTED
        await still_responds(app, pilot)


async def test_long_line_without_spaces_wraps_and_stays_responsive(tmp_path: Path) -> None:
    provider = RecordingProvider(
        [Script([LONG_LINE[i : i + 5000] for i in range(0, 100_000, 5000)])]
    )
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "long")
        await wait_idle(pilot)
        assert len(screen_of(app).conversation.messages[-1].content) == 100_000
        assert "xxxxxxxxxx" in screen_text(app)
        await still_responds(app, pilot)


async def test_one_megabyte_paste_keeps_typing_responsive(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["got it"])])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    big = ("The quick brown fox jumps over the lazy dog. 敏捷的狐狸。\n" * 20_000)[:1_000_000]
    async with app.run_test(size=(160, 48)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        started = time.perf_counter()
        prompt.insert(big)  # what a bracketed paste does
        await pilot.pause()
        await pilot.press("!")
        await pilot.pause()
        elapsed = time.perf_counter() - started
        assert prompt.text.endswith("!")
        await pilot.press("enter")
        await wait_idle(pilot)
        assert provider.requests[0].messages[-1]["content"] == big + "!"
        assert screen_of(app).conversation.messages[-1].content == "got it"
        await still_responds(app, pilot)
    print(f"1 MB paste + one keystroke handled in {elapsed:.2f} s")  # for the record


def test_printable_keeps_text_and_shows_controls() -> None:
    assert printable("plain\ttext\nline") == "plain\ttext\nline"
    assert printable("a\x1b[1mb") == "a␛[1mb"
    assert printable("\x00\x7f\x9b") == "␀␡\ufffd"
    assert printable("a\r\nb\rc") == "a\nb␍c"
    assert printable(UNICODE) == UNICODE


async def test_escape_split_across_chunks_is_still_neutralised(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["before \x1b", "]0;title\x07 after"])])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "q")
        await wait_idle(pilot)
        await asyncio.sleep(0)
        text = screen_text(app)
        assert "␛]0;title␇ after" in text
        assert "\x1b" not in text


FRAGMENTS = [
    MARKUP,
    "[a=1 b=2]",
    "[link=file:///etc/passwd]x[/link]",
    "[@click=app.quit]x[/]",
    "[/]",
    "[",
    "\\[b]",
    ANSI,
    "\x1b]8;;file:///etc\x1b\\",
    "\x00",
    "\u202e\u2067עברית",
    "👩‍👩‍👧🇨🇳",
    "\r\n\t",
    "$var ${x}",
    "*_`#>|",
]
HOSTILE = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=6).map(
    "".join
)
"""Arbitrary text (controls, surrogate-free Unicode) mixed with markup, ANSI, OSC, NUL and RTL."""


@dataclass(frozen=True)
class Texts:
    """One set of hostile texts, one for each place text from outside reaches the screen."""

    title: str
    prompt: str
    reply: str
    file_name: str
    query: str


async def show_everywhere(texts: Texts) -> None:
    """Send, receive, title, import a file by name and search, each with hostile text; the app
    must neither fail nor stop responding, nor let an escape sequence reach the screen."""
    with tempfile.TemporaryDirectory() as root:
        provider = RecordingProvider([Script(["r" + texts.reply])])
        app = make_app(Path(root), env=REMOTE, provider=provider, model="gpt-4o-mini")
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await type_and_send(app, pilot, "p" + texts.prompt)
            await wait_idle(pilot)
            assert screen_of(app).conversation.messages[-1].content == "r" + texts.reply
            await rename_from_list(app, pilot, texts.title)
            await import_role_file(app, pilot, "/nonexistent/" + texts.file_name)
            await search_hits(app, pilot, texts.query)
            screen_of(app).notify(texts.title, title=texts.prompt[:50])
            await pilot.pause()
            text = screen_text(app)
            assert "\x1b" not in text and "\x00" not in text
            assert app.is_running
            await still_responds(app, pilot)


LONG = "[b]" + "x" * 100_000
BIDI = "\u202eevil\u202c \u2067txt.exe\u2069"


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@example(Texts(LONG, LONG, LONG, "[a=1 b=2]" * 20, LONG))
@example(Texts("crash [a=1 b=2] test " + MARKUP, ANSI, CONTROLS, BIDI, "[a=1 b=2]"))
@given(st.builds(Texts, HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE))
def test_any_text_anywhere_is_shown_without_failing(texts: Texts) -> None:
    asyncio.run(show_everywhere(texts))


async def open_palette_over(title: str) -> None:
    """A chat titled ``title``, and the palette listing it (ctrl+p, "Open")."""
    with tempfile.TemporaryDirectory() as root:
        app = make_app(Path(root), env=REMOTE, provider=RecordingProvider([Script(["ok"])]))
        async with app.run_test(size=(120, 40)) as pilot:
            await type_and_send(app, pilot, "first")
            await wait_idle(pilot)
            app.services.chat.rename(screen_of(app).conversation, title)
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*"Open")
            await asyncio.sleep(0.3)
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            await still_responds(app, pilot)


@settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # a failure is reported as found, not shrunk
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@example("crash [a=1 b=2] test")
@example(LONG)
@given(HOSTILE)
def test_palette_lists_any_title_without_failing(title: str) -> None:
    asyncio.run(open_palette_over(title))
