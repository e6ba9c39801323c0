"""The usage screen (ctrl+p → "Usage", F10): cost per day over the last 30 days, the models
and the conversations that cost most, and this month against the budgets. Enter on a
conversation opens it.

The figures come from the usage ledger's per-reply log (the same as ``gpt-tui usage``),
read in a thread worker: a large history never blocks the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from gpt_tui.core.domain.text import printable
from gpt_tui.core.planning.pricing import format_money
from gpt_tui.core.service.budget import BudgetService, BudgetStatus
from gpt_tui.core.service.spending import (
    DEFAULT_DAYS,
    LedgerSpend,
    Sums,
    UsageOverview,
    overview,
)
from gpt_tui.ui.widgets.daily_bars import DailyBars


def money(sums: Sums) -> str:
    """The cost of ``sums``; "unknown" when none of its replies had a price, and "+"
    when some had none (the cost is then a lower bound)."""
    if sums.replies and sums.unpriced == sums.replies:
        return "unknown"
    return format_money(sums.cost) + ("+" if sums.unpriced else "")


def _line(label: str, sums: Sums, width: int = 26) -> Content:
    """One row: a name cut to ``width``, the cost, the number of replies."""
    name = printable(label)
    name = name if len(name) <= width else name[: width - 1] + "…"
    replies = f"{sums.replies:,} repl{'y' if sums.replies == 1 else 'ies'}"
    return Content.assemble(
        (name.ljust(width), ""),
        (f"{money(sums):>11}", "bold"),
        (f"  {replies:>13}", "$text-muted"),
    )


class UsageScreen(ModalScreen[str | None]):
    """Spend at a glance; dismissed with the id of a conversation to open, or None.

    | key | what it does |
    |---|---|
    | ↑ ↓ | move through the conversations |
    | Enter | open the highlighted conversation |
    | Esc | close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Back to the chat.", id="usage.close"),
    ]

    @dataclass
    class Loaded(Message):
        """The worker read the figures."""

        overview: UsageOverview
        budgets: list[BudgetStatus]

    def __init__(
        self,
        spend: LedgerSpend,
        budget: BudgetService,
        titles: Callable[[], Mapping[str, str]],
        now: datetime,
        zone: tzinfo | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self._spend = spend
        self._budget = budget
        self._titles = titles
        self._now = now
        self._zone = zone
        self._ids: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="usage-box"):
            yield Static(Content(f"Usage · last {DEFAULT_DAYS} days · reading…"), id="usage-title")
            yield DailyBars(id="usage-chart")
            with Horizontal(id="usage-tops"):
                with Vertical(id="usage-models-pane"):
                    yield Static(Content.styled("Top models", "bold"), classes="usage-heading")
                    yield Static(id="usage-models")
                with Vertical(id="usage-chats-pane"):
                    yield Static(
                        Content.styled("Most expensive chats (Enter opens)", "bold"),
                        classes="usage-heading",
                    )
                    yield OptionList(id="usage-chats")
            yield Static(id="usage-budget")
            yield Static(
                Content.styled("↑ ↓ move · Enter opens a chat · Esc closes", "$text-muted"),
                id="usage-keys",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._load()

    @work(thread=True, exit_on_error=False, group="usage")
    def _load(self) -> None:
        records = self._spend.replies()
        titles = self._titles()
        local = self._now.astimezone(self._zone)
        figures = overview(records, local.date(), titles, zone=self._zone)
        self.post_message(self.Loaded(figures, self._budget.statuses(None)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        figures = message.overview
        total = figures.total
        reported = f" · {total.reported} reported by the server" if total.reported else ""
        title = f"Usage · last {DEFAULT_DAYS} days · {money(total)} in {total.replies:,} replies"
        self.query_one("#usage-title", Static).update(
            Content.styled(title + reported, "bold $text-primary")
        )
        self.query_one(DailyBars).show([(day, sums.cost) for day, sums in figures.days])
        models = [_line(row.label, row.sums) for row in figures.models]
        self.query_one("#usage-models", Static).update(
            Content("\n").join(models) if models else Content.styled("No replies yet.", "dim")
        )
        chats = self.query_one(OptionList)
        chats.clear_options()
        self._ids = [row.key for row in figures.conversations]
        chats.add_options(
            Option(_line(row.label or "New chat", row.sums), id=row.key)
            for row in figures.conversations
        )
        if self._ids:
            chats.highlighted = 0
        budgets = [Content(f"Budget: {status.line()}") for status in message.budgets]
        self.query_one("#usage-budget", Static).update(
            Content("\n").join(budgets)
            if budgets
            else Content.styled(
                "No monthly budget: set [budget] monthly_usd in config.toml.", "$text-muted"
            )
        )

    @on(OptionList.OptionSelected, "#usage-chats")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)
