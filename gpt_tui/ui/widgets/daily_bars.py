"""A bar chart of cost per day: one bar per day, eight steps a row, the day of the month
under every fifth bar. Drawn from block characters, so it needs no plotting library."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from textual.content import Content
from textual.widgets import Static

from gpt_tui.core.planning.pricing import format_money

BLOCKS = " ▁▂▃▄▅▆▇█"
HEIGHT = 8
"""Rows of the chart."""
BAR = 2
"""Columns of one bar (a space follows each)."""


def bar_rows(costs: list[Decimal], height: int = HEIGHT) -> list[str]:
    """The chart's rows, top first: each cost as a bar scaled to the largest (a day with
    some cost shows at least the lowest step)."""
    top = max(costs, default=Decimal(0))
    eighths = [
        0 if not top or not cost else max(1, round(cost / top * height * 8)) for cost in costs
    ]
    rows = []
    for row in range(height - 1, -1, -1):
        cells = []
        for filled in eighths:
            step = min(8, max(0, filled - row * 8))
            cells.append(BLOCKS[step] * BAR)
        rows.append(" ".join(cells))
    return rows


class DailyBars(Static):
    """Cost per day (``show`` hands it the days); the largest day's cost is the scale."""

    DEFAULT_CSS = """
    DailyBars {
        height: auto;
        padding: 0 1;
    }
    """

    def show(self, days: list[tuple[date, Decimal]]) -> None:
        costs = [cost for _, cost in days]
        top = max(costs, default=Decimal(0))
        scale = format_money(top) if top else "$0"
        lines = [Content.styled(f"{scale} a day at most", "$text-muted")]
        for row in bar_rows(costs):
            lines.append(Content.styled(row, "$accent"))
        labels = "".join(
            (f"{day.day:<{BAR + 1}}" if n % 5 == 0 or n == len(days) - 1 else " " * (BAR + 1))
            for n, (day, _) in enumerate(days)
        )
        lines.append(Content.styled(labels.rstrip(), "$text-muted"))
        self.update(Content("\n").join(lines))
