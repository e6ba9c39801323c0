"""The usage screen (F10, ctrl+p → "Usage"): cost per day, top models, the chats that cost
most (Enter opens one), and this month against the budget."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from textual.widgets import OptionList, Static

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message, Timing, Usage
from gpt_tui.core.store.datadir import DataDir
from gpt_tui.ui.screens.usage import UsageScreen
from gpt_tui.ui.widgets.daily_bars import DailyBars, bar_rows
from tests.fakes import FROZEN_NOW, FrozenClock, make_app, paths_in, write_config
from tests.ui.helpers import run_palette_command, screen_of

NOON = FROZEN_NOW.replace(hour=12, minute=0)
KEY = {"OPENAI_API_KEY": "sk-usage-screen-test"}
"""A key, so the first-run setup screen does not open (nothing is sent)."""

CHATS: list[tuple[str, str, list[tuple[int, str | None]]]] = [
    # title, model, (days ago, cost) of each reply
    ("Trip to Lisbon", "gpt-4o", [(0, "0.42"), (1, "0.30"), (3, "0.12")]),
    ("Refactor the parser", "gpt-4o-mini", [(2, "0.004"), (2, "0.006"), (9, "0.01")]),
    ("Local model notes", "llama3.2", [(5, None)]),
    ("Tax questions", "o3-mini", [(12, "1.25"), (27, "0.80")]),
    ("Old chat", "gpt-4o", [(45, "9.00")]),  # before the 30 days: not shown
]


def seed_usage(root: Path) -> dict[str, str]:
    """The chats above saved in ``root``'s data folder with their day's totals (the per-reply
    log is left to be built, as after an upgrade); returns title → id."""
    data = DataDir.open(paths_in(root).data_dir)
    ids: dict[str, str] = {}
    for title, model, replies in CHATS:
        messages: list[Message] = []
        for days_ago, cost in replies:
            at = NOON - timedelta(days=days_ago)
            messages.append(Message(role="user", content="question", created_at=at))
            messages.append(
                Message(
                    role="assistant",
                    content="answer",
                    created_at=at,
                    model=model,
                    usage=Usage(1200, 300),
                    cost=None if cost is None else Decimal(cost),
                    timing=Timing(0.2, 2.0),
                )
            )
        conversation = Conversation(
            params=Params(model=model),
            title=title,
            messages=messages,
            created_at=messages[0].created_at,
            updated_at=messages[-1].created_at,
        )
        data.store.save(conversation)
        for reply in messages[1::2]:  # the day's totals, as the app records them
            assert reply.usage is not None
            data.ledger.record(reply.created_at, reply.usage.total_tokens, reply.cost)
        ids[title] = conversation.id
    data.close()
    return ids


def test_bars_scale_to_the_dearest_day() -> None:
    rows = bar_rows([Decimal(0), Decimal(3), Decimal(4), Decimal("0.0001")], height=2)
    assert rows == ["   ▄▄ ██   ", "   ██ ██ ▁▁"]


async def test_f10_shows_the_figures_and_enter_opens_a_chat(tmp_path: Path) -> None:
    write_config(tmp_path, "[budget]\nmonthly_usd = 5\n")
    ids = seed_usage(tmp_path)
    app = make_app(tmp_path, env=KEY, clock=FrozenClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f10")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, UsageScreen)
        title = str(screen.query_one("#usage-title", Static).render())
        assert title.startswith("Usage · last 30 days · $2.91+ in 9 replies")
        models = str(screen.query_one("#usage-models", Static).render()).splitlines()
        assert [line.split()[0] for line in models] == [
            "o3-mini",
            "gpt-4o",
            "gpt-4o-mini",
            "llama3.2",
        ]
        assert models[-1].split()[1] == "unknown"
        chats = screen.query_one(OptionList)
        assert [chats.get_option_at_index(i).id for i in range(chats.option_count)] == [
            ids["Tax questions"],
            ids["Trip to Lisbon"],
            ids["Refactor the parser"],
            ids["Local model notes"],
        ]
        budget = str(screen.query_one("#usage-budget", Static).render())
        # This month (November): everything but the chats of October.
        assert budget.startswith("Budget: $2.11 of $5 monthly budget (42 %), all profiles")
        assert "9" in str(screen.query_one(DailyBars).render()).splitlines()[-1]
        chats.highlighted = 1
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert screen_of(app).conversation.id == ids["Trip to Lisbon"]


async def test_the_palette_opens_it_and_esc_closes_it(tmp_path: Path) -> None:
    app = make_app(tmp_path, env=KEY, clock=FrozenClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await run_palette_command(pilot, "Usage: spend")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UsageScreen)
        title = str(app.screen.query_one("#usage-title", Static).render())
        assert title.startswith("Usage · last 30 days · $0 in 0 replies")
        assert "No monthly budget" in str(app.screen.query_one("#usage-budget", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, UsageScreen)
