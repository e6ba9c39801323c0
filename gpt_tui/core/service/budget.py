"""Monthly budgets: ``[budget] monthly_usd`` over every profile and ``[profiles.NAME]
monthly_usd`` for one, checked before anything is sent.

:meth:`BudgetService.check` is the one check every path that sends a request calls (a
prompt, a retry, and any later path such as tool loops or compare mode), so a budget cannot
be bypassed by sending another way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from gpt_tui.core.config.types import Settings
from gpt_tui.core.planning.pricing import format_money
from gpt_tui.core.service.spending import LedgerSpend

if TYPE_CHECKING:
    from gpt_tui.core.domain.conversation import Conversation, Params
    from gpt_tui.core.service.chat import ChatService
    from gpt_tui.core.service.events import TurnPlan

WARN_SHARE = Decimal("0.8")
"""Past this share of a budget the app warns (once a month per budget)."""


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """One budget and what this calendar month has spent against it."""

    scope: str
    """"all profiles" or "profile NAME"."""
    limit: Decimal
    spent: Decimal
    unpriced: int = 0
    """Replies this month whose price is unknown (not in ``spent``)."""

    @property
    def share(self) -> Decimal:
        return self.spent / self.limit

    def short(self) -> str:
        """E.g. "$4.20 of $20 (21 %)" for the panel."""
        percent = (self.share * 100).quantize(Decimal(1))
        plus = "+" if self.unpriced else ""
        return f"{format_money(self.spent)}{plus} of {_limit(self.limit)} ({percent} %)"

    def line(self) -> str:
        """E.g. "$4.20 of $20 monthly budget (21 %), all profiles"."""
        percent = (self.share * 100).quantize(Decimal(1))
        text = (
            f"{format_money(self.spent)} of {_limit(self.limit)} monthly budget "
            f"({percent} %), {self.scope}"
        )
        if self.unpriced:
            text += (
                f"; {self.unpriced} unpriced repl{'y' if self.unpriced == 1 else 'ies'} not counted"
            )
        return text


@dataclass(frozen=True, slots=True)
class BudgetVerdict:
    """What to do before sending: go ahead, warn once, or ask first."""

    question: str | None = None
    """Ask this (yes/no) and send only on yes."""
    warning: str | None = None
    """Say this once (a budget is past 80 %); sending goes ahead."""

    @property
    def ask(self) -> bool:
        return self.question is not None


def _limit(amount: Decimal) -> str:
    """``$20`` for a whole amount, ``$12.50`` otherwise."""
    return f"${amount:,.0f}" if amount == amount.to_integral_value() else format_money(amount)


class BudgetService:
    """This month's spend against the budgets, from the usage ledger."""

    def __init__(
        self,
        usage: LedgerSpend,
        monthly_usd: Decimal | None,
        profile_limits: Mapping[str, Decimal],
        *,
        default_profile: str | None,
        now: Callable[[], datetime],
    ) -> None:
        """``profile_limits``: profile name → monthly USD (only profiles with one);
        ``default_profile`` is the profile a conversation with none goes through."""
        self._usage = usage
        self._monthly = monthly_usd
        self._profiles = dict(profile_limits)
        self._default_profile = default_profile
        self._now = now
        self._warned: set[tuple[str, str]] = set()

    def use(self, settings: Settings) -> None:
        """Take the budgets of freshly loaded settings."""
        self._monthly = settings.budget.monthly_usd
        self._profiles = {
            name: profile.monthly_usd
            for name, profile in settings.profiles.items()
            if profile.monthly_usd is not None
        }
        self._default_profile = settings.default_profile

    @property
    def configured(self) -> bool:
        return self._monthly is not None or bool(self._profiles)

    def statuses(self, profile: str | None) -> list[BudgetStatus]:
        """The budgets a request through ``profile`` counts against, with this month's
        spend (the overall one first)."""
        found: list[BudgetStatus] = []
        if self._monthly is not None:
            month = self._usage.month_totals()
            found.append(BudgetStatus("all profiles", self._monthly, month.cost, month.unpriced))
        name = profile or self._default_profile
        limit = self._profiles.get(name or "")
        if name is not None and limit is not None:
            month = self._usage.month_totals(name, self._default_profile)
            found.append(BudgetStatus(f"profile {name}", limit, month.cost, month.unpriced))
        return found

    def check(self, max_cost: Decimal | None, profile: str | None) -> BudgetVerdict:
        """Whether a request that may cost up to ``max_cost`` (None: unknown) through
        ``profile`` may go out: a question when it could take a budget past 100 % (or one
        is already past), a warning the first time this month a budget is past 80 %."""
        warning: str | None = None
        for status in self.statuses(profile):
            worst = status.spent + (max_cost or Decimal(0))
            if worst > status.limit or status.spent >= status.limit:
                scope = "" if status.scope == "all profiles" else f" ({status.scope})"
                return BudgetVerdict(
                    question=(
                        f"This may take you past your {_limit(status.limit)} monthly budget"
                        f"{scope}: {format_money(status.spent)} spent this month"
                        + (
                            ""
                            if max_cost is None
                            else f", this request up to {format_money(max_cost)}"
                        )
                        + ". Send anyway?"
                    )
                )
            marker = (status.scope, self._now().astimezone().strftime("%Y-%m"))
            if status.share >= WARN_SHARE and marker not in self._warned and warning is None:
                self._warned.add(marker)
                warning = f"Budget: {status.line()}."
        return BudgetVerdict(warning=warning)

    def check_columns(
        self,
        chat: ChatService,
        conversation: Conversation,
        prompt: str,
        columns: Sequence[Params],
    ) -> BudgetVerdict:
        """:meth:`check` for one prompt sent with each of ``columns`` at once (compare mode):
        the request may cost the sum of the columns' maximum costs, checked against the
        overall budget and each column's profile budget."""
        if not self.configured:
            return BudgetVerdict()
        costs = [chat.estimate(conversation, prompt, params=params).max_cost for params in columns]
        known = [cost for cost in costs if cost is not None]
        total = sum(known, Decimal(0)) if known else None
        warning: str | None = None
        for profile in dict.fromkeys(params.profile for params in columns):
            verdict = self.check(total, profile)
            if verdict.question is not None:
                return verdict
            warning = warning or verdict.warning
        return BudgetVerdict(warning=warning)

    def check_turn(
        self, chat: ChatService, conversation: Conversation, plan: TurnPlan
    ) -> BudgetVerdict:
        """:meth:`check` for the turn ``plan`` in ``conversation``, at the maximum cost the
        planner gives for it (the history plus the prompt, and the most the reply may
        cost). Nothing is read when no budget is set."""
        if not self.configured:
            return BudgetVerdict()
        editing = plan.target if plan.kind == "edit" else None
        estimate = chat.estimate(conversation, plan.prompt or "", editing)
        return self.check(estimate.max_cost, conversation.params.profile)
