"""Regenerate ``screenshots/*.svg`` from the real app, driven headless with the demo model.

Run from the repository root: ``python scripts/screenshots.py [NAME…]`` (after
``pip install -e '.[test]'``). Everything runs in a temporary data dir with a fixed clock,
so the images only change when the UI does.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from gpt_tui.cli import build_app
from gpt_tui.core.config.types import ProviderSettings
from gpt_tui.core.domain.message import Usage
from gpt_tui.core.providers.base import ChatProvider
from gpt_tui.core.providers.demo import demo_reply, split_pieces
from gpt_tui.paths import Paths
from gpt_tui.ui.widgets.message_list import MessageList
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.fakes import RecordingProvider, Script, SteppingTimer
from tests.snapshots.test_logprobs import probability_pieces
from tests.snapshots.test_reasoning import THOUGHT
from tests.snapshots.test_structured import CONFIG as SCHEMA_CONFIG

OUT = Path(__file__).resolve().parent.parent / "screenshots"
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)

Scene = Callable[[Pilot[None]], Awaitable[None]]


async def send(pilot: Pilot[None], text: str) -> None:
    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.focus()
    prompt.text = text
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def chat_with_code(pilot: Pilot[None]) -> None:
    await send(pilot, "What does a chat loop with the openai SDK look like? Show python code.")


async def chinese_chat(pilot: Pilot[None]) -> None:
    await send(pilot, "你好，请介绍一下这个工具")


async def parameters(pilot: Pilot[None]) -> None:
    await send(pilot, "Show me the parameters as a table")
    await pilot.click("#param-temperature")
    await pilot.press(*"0.7")
    await pilot.click("#param-max_tokens")
    await pilot.press(*"abc")
    await pilot.pause()


async def first_run(pilot: Pilot[None]) -> None:
    await pilot.pause()


async def help_screen(pilot: Pilot[None]) -> None:
    await pilot.press("f1")
    await pilot.pause()


async def usage_and_cost(pilot: Pilot[None]) -> None:
    await send(pilot, "Explain attention in transformers, with a small table.")
    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.focus()
    await pilot.press(*"And how does multi-head attention differ?")
    await pilot.pause()


async def branches(pilot: Pilot[None]) -> None:
    await send(pilot, "Show me the parameters as a table")
    await send(pilot, "Write python code for a chat loop")
    chat = pilot.app.screen.query_one(MessageList)
    chat.focus()
    await pilot.press("k", "e")  # the last prompt: edit it and send it as a new branch
    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.text = "Write python code for a chat loop, with a system prompt"
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    chat.focus()
    await pilot.press("k")
    await pilot.pause()


async def search(pilot: Pilot[None]) -> None:
    for text in (
        "Show me the parameters as a table",
        "你好，请介绍一下这个工具",
        "Python code please",
    ):
        await send(pilot, text)
        await pilot.press("ctrl+n")
    await pilot.press("ctrl+f")
    await pilot.press(*"temperature")
    await asyncio.sleep(0.4)  # results come 150 ms after the last key
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def usage_screen(pilot: Pilot[None]) -> None:
    from tests.ui.test_usage_screen import seed_usage

    seed_usage(Path(os.environ["HOME"]))  # the data folder of the app being shot
    await pilot.press("f10")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def compare(pilot: Pilot[None]) -> None:
    """F5, one column at temperature 0.2 and one at 1.2, one prompt sent to both."""
    from textual.widgets import Input

    await pilot.press("f5")
    await pilot.pause()
    screen = pilot.app.screen
    screen.query_one("#c1-temperature", Input).value = "0.2"
    screen.query_one("#c2-temperature", Input).value = "1.2"
    await send(pilot, "Show me the parameters as a table")


async def attachments(pilot: Pilot[None]) -> None:
    """A chart and a text file sent with @path on gpt-4o; a photo's chip waits above the
    prompt, counted in the panel's draft."""
    from PIL import Image, ImageDraw

    from gpt_tui.ui.screens.chat import ChatScreen

    folder = Path(os.environ["HOME"]) / "work"
    folder.mkdir()
    chart = Image.new("RGB", (1024, 1024), "white")
    draw = ImageDraw.Draw(chart)
    for index, height in enumerate((300, 520, 410, 760, 640)):
        draw.rectangle((100 + index * 170, 900 - height, 220 + index * 170, 900), fill="teal")
    chart.save(folder / "chart.png")
    Image.new("RGB", (4032, 3024), "gray").save(folder / "photo.jpg", quality=80)
    (folder / "notes.py").write_text("totals = [300, 520, 410, 760, 640]\n", encoding="utf-8")
    screen = pilot.app.screen
    assert isinstance(screen, ChatScreen)
    screen.attachments.cwd = folder
    await send(pilot, "What does this chart show? @chart.png @notes.py")
    await screen.attachments.add(["photo.jpg"])
    await pilot.pause()


def priced_provider(settings: ProviderSettings) -> ChatProvider:
    """Fake server replies with the usage a real one reports (cached tokens included); the
    second one answers the second column of the compare screenshot."""
    return RecordingProvider(
        [
            Script(split_pieces(demo_reply("table")), usage=Usage(1850, 412, cached_tokens=1024)),
            Script(split_pieces(demo_reply("python")), usage=Usage(1850, 388)),
        ]
    )


@dataclass(frozen=True, slots=True)
class Feed:
    """What a scene's fake server answers, for which model, with which config.toml."""

    scripts: Callable[[], list[Script]]
    model: str = "gpt-4o"
    config: str = ""


def _fed(feed: Feed) -> Callable[[ProviderSettings], ChatProvider]:
    def make(settings: ProviderSettings) -> ChatProvider:
        return RecordingProvider(feed.scripts())

    return make


REASONING = Feed(
    lambda: [Script(list(THOUGHT), usage=Usage(12, 60, reasoning_tokens=41))],
    model="deepseek-reasoner",
)
STRUCTURED = Feed(
    lambda: [
        Script(['{"ok": true, "items": [1, 2]}']),
        Script(['{"ok": false, "items": [1, "two"]}']),
    ],
    config=SCHEMA_CONFIG,
)
PROBABILITIES = Feed(
    lambda: [Script(probability_pieces())], config="[defaults]\nlogprobs = true\ntop_logprobs = 4\n"
)


async def reasoning(pilot: Pilot[None]) -> None:
    """A reply's reasoning unfolded with t above its answer."""
    await send(pilot, "a haiku about tea")
    pilot.app.screen.query_one(MessageList).focus()
    await pilot.pause()
    await pilot.press("t")


async def structured(pilot: Pilot[None]) -> None:
    """Two schema replies: one matches (✓), one fails with the path of its first error."""
    await send(pilot, "first, in JSON")
    await send(pilot, "second, in JSON")


async def probabilities(pilot: Pilot[None]) -> None:
    """The probability view of a reply, the cursor on its sixth token."""
    await send(pilot, "capital of France?")
    pilot.app.screen.query_one(MessageList).focus()
    await pilot.pause()
    await pilot.press("p")
    await pilot.pause()
    await pilot.press(*["right"] * 5)


async def shoot(
    name: str,
    scene: Scene,
    size: tuple[int, int],
    *,
    setup_done: bool,
    priced: bool | Feed = False,
) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["HOME"] = tmp  # paths show as ~/…, the same on every machine
        if setup_done:
            (root / "data").mkdir()
            (root / "data" / "state.json").write_text(json.dumps({"setup_dismissed": True}))
        feed = priced if isinstance(priced, Feed) else None
        if feed is not None and feed.config:
            (root / "config.toml").write_text(feed.config, encoding="utf-8")
            (root / "config.toml").chmod(0o600)
        app = build_app(
            Paths(config_file=root / "config.toml", data_dir=root / "data"),
            {"OPENAI_API_KEY": "sk-fake-screenshot-key-000000"} if priced else {},
            model=feed.model if feed is not None else "gpt-4o" if priced else None,
            make_provider=_fed(feed) if feed is not None else priced_provider if priced else None,
            demo_delay=0.0,
            warm_up=True,
            now=lambda: NOW,
            timer=SteppingTimer(),
            cursor_blink=False,
        )
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()  # encoder and prices: exact figures
            await scene(pilot)
            await pilot.pause()
            path = OUT / f"{name}.svg"
            path.write_text(app.export_screenshot(title=f"gpt-tui — {name}"), encoding="utf-8")
    return path


SCENES: list[tuple[str, Scene, tuple[int, int], bool, bool | Feed]] = [
    ("chat", chat_with_code, (160, 48), True, False),
    ("usage-and-cost", usage_and_cost, (160, 48), True, True),
    ("chinese", chinese_chat, (120, 36), True, False),
    ("parameters", parameters, (160, 48), True, False),
    ("help", help_screen, (140, 40), True, False),
    ("first-run", first_run, (120, 36), False, False),
    ("narrow-80x24", chat_with_code, (80, 24), True, False),
    ("branches", branches, (160, 48), True, False),
    ("search", search, (160, 48), True, False),
    ("usage-screen", usage_screen, (160, 48), True, False),
    ("compare", compare, (160, 40), True, True),
    ("attachments", attachments, (160, 48), True, True),
    ("reasoning", reasoning, (160, 48), True, REASONING),
    ("structured", structured, (160, 48), True, STRUCTURED),
    ("logprobs", probabilities, (160, 48), True, PROBABILITIES),
]


async def main(only: list[str]) -> int:
    OUT.mkdir(exist_ok=True)
    for name, scene, size, setup_done, priced in SCENES:
        if only and name not in only:
            continue
        path = await shoot(name, scene, size, setup_done=setup_done, priced=priced)
        print(f"wrote {path.relative_to(OUT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
