"""The reply body: lossless block splitting, streaming that equals a one-shot render, and a
cost per chunk that does not grow with what is already on screen."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.style import Style
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from benchmarks.markdown_gen import markdown_reply
from gpt_tui.ui.widgets import reply_body
from gpt_tui.ui.widgets.reply_body import ReplyBody, look_for, render_block, split_blocks

SAMPLE = markdown_reply(1500, seed=3)

markdownish = st.lists(
    st.sampled_from(
        [*"ab #*-`|>~_1.\n ", "\n\n", "```", "```py\n", "| a | b |\n", "|---|---|\n", "> "]
    ),
    max_size=120,
).map("".join)


@given(markdownish)
@settings(max_examples=300, deadline=None)
def test_split_blocks_is_lossless(text: str) -> None:
    parts = split_blocks(text)
    assert "".join(parts) == text
    assert all(parts)


def test_split_blocks_keeps_fences_lists_and_tables_whole() -> None:
    text = (
        "# Title\n\nA paragraph\nover two lines.\n\n"
        "```python\nx = 1\n\n\ny = 2\n```\n\n"
        "- one\n- two\n\n  still two\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    parts = split_blocks(text)
    assert parts[0] == "# Title\n\n"
    assert parts[1] == "A paragraph\nover two lines.\n\n"
    assert parts[2].startswith("```python") and parts[2].rstrip().endswith("```")
    assert parts[3].startswith("- one") and "still two" in parts[3]
    assert parts[4].startswith("| a | b |")
    assert len(parts) == 5


def test_render_block_wraps_to_width_and_trims_blank_edges() -> None:
    look = look_for("test", {}, dark=True)
    lines = render_block("word " * 40 + "\n", look, 30, Style())
    assert len(lines) > 1
    assert all(line.cell_length == 30 for line in lines)
    assert lines[0].text.strip() and lines[-1].text.strip()


class BodyApp(App[None]):
    """One reply body in a scrolling column, as in the chat."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield ReplyBody(self.text)


async def _streamed_lines(pieces: list[str]) -> tuple[list[str], str]:
    app = BodyApp()
    async with app.run_test(size=(90, 30)) as pilot:
        body = app.query_one(ReplyBody)
        for piece in pieces:
            await body.append(piece)
            await pilot.pause()
        await body.finish()
        await pilot.pause()
        return list(body.plain_lines()), body.source


async def _one_shot_lines(text: str) -> list[str]:
    app = BodyApp(text)
    async with app.run_test(size=(90, 30)) as pilot:
        await pilot.pause()
        return list(app.query_one(ReplyBody).plain_lines())


def _random_pieces(text: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces: list[str] = []
    at = 0
    while at < len(text):
        step = rng.choice([1, 3, 4, 17, 64, 400])
        pieces.append(text[at : at + step])
        at += step
    return pieces


@pytest.mark.parametrize("seed", [1, 2])
async def test_streaming_in_any_pieces_shows_what_one_render_shows(seed: int) -> None:
    streamed, source = await _streamed_lines(_random_pieces(SAMPLE, seed))
    assert source == SAMPLE
    assert streamed == await _one_shot_lines(SAMPLE)
    assert any("│" in line or "┃" in line or "─" in line for line in streamed)  # a table


async def test_each_block_is_rendered_about_once_while_streaming(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cost of a chunk does not depend on how much is already shown: settled blocks
    are rendered once, and each chunk re-renders only the unfinished last block."""
    calls: list[str] = []
    real = reply_body.render_block

    def counting(source: str, *args: object, **kwargs: object) -> object:
        calls.append(source)
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reply_body, "render_block", counting)
    pieces = _random_pieces(SAMPLE, 5)
    await _streamed_lines(pieces)
    blocks = split_blocks(SAMPLE)
    # A settled block is rendered when it settles, and again only if the width changes
    # (here once: the scrollbar appears when the reply outgrows the screen).
    for block in blocks[:-1]:
        assert calls.count(block) <= 2, block
    # Everything else is the unfinished last block: at most one render per chunk.
    assert len(calls) <= len(pieces) + 2 * len(blocks)
    # And no render covers more than one block.
    assert max(map(len, calls)) <= max(map(len, blocks))


async def test_selecting_text_copies_the_rendered_words() -> None:
    app = BodyApp("# Heading\n\nSome *selectable* text.\n")
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        body = app.query_one(ReplyBody)
        assert "Some selectable text." in body.plain_lines()
        body.text_select_all()
        await pilot.pause()
        selected = app.screen.get_selected_text()
        assert selected is not None
        assert "Heading" in selected and "Some selectable text." in selected


async def test_a_reply_view_made_from_a_saved_copy_adds_only_what_it_lacks() -> None:
    """The stream is saved while its deltas are on their way to the screen: a view made
    from that copy must not show the overlapping text twice."""
    from textual.app import App

    from gpt_tui.core.domain.message import Message, MessageStatus
    from gpt_tui.ui.widgets.chat_view import ReplyView

    saved = Message("assistant", "Hello, wor", status=MessageStatus.STREAMING)

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield ReplyView(saved)

    app = One()
    async with app.run_test() as pilot:
        view = app.query_one(ReplyView)
        await view.append("Hello, ", 0)  # already shown
        await view.append("world", 7)  # "wor" shown, "ld" new
        await view.append("!", 12)
        await pilot.pause()
        assert view.body.source == "Hello, world!"


async def test_a_streaming_reply_grows_in_steps_and_is_exact_when_it_ends() -> None:
    """While text streams the height changes a few lines at a time (each change re-lays
    out the screen); the lines themselves are those of a one-shot render, and at the end
    the height is the number of lines again."""
    app = BodyApp()
    async with app.run_test(size=(90, 30)) as pilot:
        body = app.query_one(ReplyBody)
        heights: list[int] = []
        for piece in _random_pieces(SAMPLE[:3000], 9):
            await body.append(piece)
            await pilot.pause()
            heights.append(body.size.height)
            assert body.size.height % reply_body.GROW_STEP == 0
            assert 0 <= body.size.height - len(body.plain_lines()) < reply_body.GROW_STEP
        assert len(set(heights)) < len(body.plain_lines()) / 2  # fewer re-layouts than lines
        await body.finish()
        await pilot.pause()
        assert body.size.height == len(body.plain_lines())
