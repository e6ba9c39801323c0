"""Live token usage, context window and cost: before sending, while streaming, after.

It only renders the figures the screen hands it; counting and pricing live in the core.
Estimates (the encoder is still loading, or the server reported no usage) carry "≈".
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content

from gpt_tui.core.domain.message import Message
from gpt_tui.core.planning.planner import RequestEstimate
from gpt_tui.core.planning.pricing import format_money, format_tokens
from gpt_tui.core.planning.tokens import TokenCount
from gpt_tui.core.service.budget import WARN_SHARE, BudgetStatus
from gpt_tui.core.store.ledger import Totals
from gpt_tui.ui.widgets.live_text import LiveText

BAR_WIDTH = 14
LABEL_WIDTH = 12


def meter_style(fraction: float) -> str:
    """The context meter's colour: it changes at 50, 80 and 95 percent."""
    if fraction >= 0.95:
        return "$text-error"
    if fraction >= 0.80:
        return "$text-warning"
    if fraction >= 0.50:
        return "$text-accent"
    return "$text-success"


def _count(count: TokenCount) -> str:
    prefix = "" if count.exact else "≈"
    return f"{prefix}{count.tokens:,}"


def _row(label: str, value: str | Content, style: str = "") -> Content:
    value_content = value if isinstance(value, Content) else Content.styled(value, style)
    return Content.assemble((" " + label.ljust(LABEL_WIDTH), "$text-muted"), value_content)


def _heading(text: str) -> Content:
    return Content.styled(text, "bold $text-primary")


@dataclass(frozen=True, slots=True)
class LiveStats:
    """A reply while it streams: chunks so far (≈ tokens) and their rate."""

    tokens: int
    per_second: float | None


class UsagePanel(LiveText):
    """Draft, next request, context meter, max cost, last reply and totals."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._estimate: RequestEstimate | None = None
        self._last: Message | None = None
        self._live: LiveStats | None = None
        self._totals: tuple[Totals, Totals, Totals] | None = None
        self._budgets: list[BudgetStatus] = []

    def show_estimate(self, estimate: RequestEstimate) -> None:
        self._estimate = estimate
        self._redraw()

    def show_reply(self, reply: Message | None, live: LiveStats | None = None) -> None:
        """The last reply of the open conversation (``live`` while it streams)."""
        self._last = reply
        self._live = live
        self._redraw()

    def show_totals(self, conversation: Totals, today: Totals, all_time: Totals) -> None:
        self._totals = (conversation, today, all_time)
        self._redraw()

    def show_budgets(self, budgets: list[BudgetStatus]) -> None:
        """This month's spend against each budget the open conversation counts against."""
        if budgets != self._budgets:
            self._budgets = budgets
            self._redraw()

    def _redraw(self) -> None:
        lines: list[Content] = []
        lines.extend(self._estimate_lines())
        lines.extend(self._reply_lines())
        lines.extend(self._total_lines())
        lines.extend(self._budget_lines())
        self.set_content(Content("\n").join(lines))

    def _estimate_lines(self) -> list[Content]:
        estimate = self._estimate
        if estimate is None:
            return []
        lines = [
            _heading("next request"),
            _row("draft", f"{_count(estimate.draft)} tok"),
            _row("prompt", f"{_count(estimate.request)} tok"),
        ]
        window = estimate.context_window
        fraction = estimate.context_fraction
        if window and fraction is not None:
            filled = min(BAR_WIDTH, round(min(fraction, 1.0) * BAR_WIDTH))
            style = meter_style(fraction)
            bar = Content.assemble(
                ("█" * filled, style),
                ("░" * (BAR_WIDTH - filled), "$text-muted"),
                (f" {fraction:.0%}", style),
            )
            lines.append(_row("context", bar))
            used = format_tokens(estimate.context_used)
            lines.append(_row("", f"{used} of {format_tokens(window)}", "$text-muted"))
            if estimate.info is not None and estimate.info.window_source:
                lines.append(_row("", "(from server)", "$text-muted"))
        else:
            lines.append(_row("context", f"{estimate.context_used:,} tok (window ?)"))
        if estimate.over_by:
            lines.append(_row("", f"over by {estimate.over_by:,} tokens", "$text-error"))
        lines.append(_row("max cost", self._max_cost(estimate)))
        return lines

    @staticmethod
    def _max_cost(estimate: RequestEstimate) -> str:
        if estimate.max_cost is None:
            return "—"
        approx = "" if estimate.request.exact else "≈"
        return approx + format_money(estimate.max_cost)

    def _reply_lines(self) -> list[Content]:
        if self._live is not None:
            rate = self._live.per_second
            speed = f" · {rate:.0f} tok/s" if rate else ""
            return [
                _heading("last reply (streaming)"),
                _row("completion", f"≈{self._live.tokens:,} tok{speed}"),
            ]
        reply = self._last
        if reply is None or reply.usage is None:
            return []
        usage = reply.usage
        approx = "≈" if usage.estimated else ""
        cost_approx = "" if reply.cost_reported else approx
        lines = [
            _heading("last reply"),
            _row("prompt", f"{approx}{usage.prompt_tokens:,} (cached {usage.cached_tokens:,})"),
            _row(
                "completion",
                f"{approx}{usage.completion_tokens:,} (reasoning {usage.reasoning_tokens:,})",
            ),
            _row(
                "cost", (cost_approx if reply.cost is not None else "") + format_money(reply.cost)
            ),
            *([_row("", "reported by the server", "$text-muted")] if reply.cost_reported else []),
        ]
        timing = reply.timing
        if timing is not None:
            first = "—" if timing.first_token_s is None else f"{timing.first_token_s:.2f} s"
            rate = timing.tokens_per_second(usage.completion_tokens)
            speed = "—" if rate is None else f"{rate:.0f} tok/s"
            lines.append(_row("first token", first))
            lines.append(_row("speed", speed))
        return lines

    def _total_lines(self) -> list[Content]:
        if self._totals is None:
            return []
        conversation, today, all_time = self._totals
        return [
            _heading("totals"),
            _row("this chat", _total(conversation)),
            _row("today", _total(today)),
            _row("all time", _total(all_time)),
        ]

    def _budget_lines(self) -> list[Content]:
        if not self._budgets:
            return []
        lines = [_heading("monthly budget")]
        for status in self._budgets:
            style = (
                "$text-error"
                if status.share >= 1
                else "$text-warning"
                if status.share >= WARN_SHARE
                else ""
            )
            label = "this month" if status.scope == "all profiles" else status.scope[8:]
            lines.append(_row(label[: LABEL_WIDTH - 1], status.short(), style))
        return lines


def _total(totals: Totals) -> str:
    """Tokens and cost; the cost is "—" when no reply had a known price, and marked "+"
    when some had none (it is then a lower bound)."""
    tokens = f"{format_tokens(totals.tokens)} tok"
    if totals.unpriced and not totals.cost:
        return f"{tokens} · —"
    plus = "+" if totals.unpriced else ""
    return f"{tokens} · {format_money(totals.cost)}{plus}"
