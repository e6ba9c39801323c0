"""Spend grouped for a report: by day, week or month (local time), by model, by profile or
by conversation, with tokens beside the cost.

Money stays :class:`~decimal.Decimal` and sums exactly; a reply whose price is unknown is
counted as unpriced, never as $0, so a total with unpriced replies says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Literal, get_args

from gpt_tui.core.store.ledger import UsageLedger
from gpt_tui.core.store.reply_log import COST_REPORTED, ReplyRecord

Grouping = Literal["day", "week", "month", "model", "profile", "conversation"]
GROUPINGS: tuple[Grouping, ...] = get_args(Grouping)
TIME_GROUPINGS = frozenset({"day", "week", "month"})
DEFAULT_DAYS = 30
"""With no ``since``, a report by day covers this many days up to today."""
DEFAULT_PROFILE_LABEL = "(default profile)"


@dataclass(slots=True)
class Sums:
    """Replies, tokens and cost of a group. ``cost`` is the sum of the priced replies;
    ``unpriced`` counts those whose price was unknown, ``reported`` those whose cost the
    server reported."""

    replies: int = 0
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost: Decimal = field(default_factory=Decimal)
    unpriced: int = 0
    reported: int = 0

    def add(self, record: ReplyRecord) -> None:
        self.replies += 1
        self.input_tokens += record.input_tokens
        self.cached_tokens += record.cached_tokens
        self.output_tokens += record.output_tokens
        self.reasoning_tokens += record.reasoning_tokens
        if record.cost is None:
            self.unpriced += 1
        else:
            self.cost += record.cost
            if record.cost_source == COST_REPORTED:
                self.reported += 1

    def merge(self, other: Sums) -> None:
        self.replies += other.replies
        self.input_tokens += other.input_tokens
        self.cached_tokens += other.cached_tokens
        self.output_tokens += other.output_tokens
        self.reasoning_tokens += other.reasoning_tokens
        self.cost += other.cost
        self.unpriced += other.unpriced
        self.reported += other.reported

    @property
    def cost_known(self) -> bool:
        """Whether ``cost`` is the whole cost (no reply had an unknown price)."""
        return self.unpriced == 0


@dataclass(frozen=True, slots=True)
class ReportRow:
    key: str
    """The group: an ISO day, ``2026-W49``, ``2026-12``, a model, a profile or an id."""
    label: str
    """What a reader sees (a conversation's title; the key otherwise)."""
    sums: Sums


@dataclass(frozen=True, slots=True)
class SpendReport:
    by: Grouping
    since: date | None
    until: date | None
    rows: list[ReportRow]
    total: Sums


def local_day(record: ReplyRecord, zone: tzinfo | None = None) -> date:
    """The day ``record`` finished on, in ``zone`` (None: the machine's local time)."""
    return record.at.astimezone(zone).date()


def group_key(day: date, record: ReplyRecord, by: Grouping) -> str:
    """The group ``record`` (finished on ``day``) falls in when grouping ``by``."""
    if by == "day":
        return day.isoformat()
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return day.isoformat()[:7]
    if by == "model":
        return record.model
    if by == "profile":
        return record.profile or DEFAULT_PROFILE_LABEL
    return record.conversation_id or "(none)"


def default_since(by: Grouping, today: date) -> date | None:
    """The first day a report covers when none is given: the last 30 days by day,
    everything otherwise."""
    return today - timedelta(days=DEFAULT_DAYS - 1) if by == "day" else None


def spend_report(
    records: Iterable[ReplyRecord],
    by: Grouping,
    *,
    since: date | None = None,
    until: date | None = None,
    zone: tzinfo | None = None,
    titles: Mapping[str, str] | None = None,
) -> SpendReport:
    """Group ``records`` finished between ``since`` and ``until`` (inclusive local days;
    None: no bound). Time groups come in order, the others most expensive first.
    ``titles`` names conversations (id → title) for ``by="conversation"``."""
    groups: dict[str, Sums] = {}
    total = Sums()
    days: dict[int, tuple[date, str]] = {}
    by_time = by in TIME_GROUPINGS
    for record in records:
        # Every time zone's offset is a whole number of quarter hours: one conversion per
        # quarter hour instead of one per reply.
        quarter = int(record.ts // 900)
        known = days.get(quarter)
        if known is None:
            day = local_day(record, zone)
            known = days[quarter] = (day, group_key(day, record, by) if by_time else "")
        day = known[0]
        if (since is not None and day < since) or (until is not None and day > until):
            continue
        key = known[1] if by_time else group_key(day, record, by)
        sums = groups.get(key)
        if sums is None:
            sums = groups[key] = Sums()
        sums.add(record)
        total.add(record)
    if by in TIME_GROUPINGS:
        keys = sorted(groups)
    else:
        keys = sorted(groups, key=lambda k: (-groups[k].cost, groups[k].unpriced == 0, k))
    names = titles or {}
    rows = [ReportRow(key, names.get(key, key) or key, groups[key]) for key in keys]
    return SpendReport(by, since, until, rows, total)


def daily_costs(
    records: Iterable[ReplyRecord],
    today: date,
    days: int = DEFAULT_DAYS,
    zone: tzinfo | None = None,
) -> list[tuple[date, Sums]]:
    """Each of the ``days`` days up to ``today`` with its sums (empty days included), for
    a chart."""
    first = today - timedelta(days=days - 1)
    by_day = {
        row.key: row.sums
        for row in spend_report(records, "day", since=first, until=today, zone=zone).rows
    }
    return [
        (first + timedelta(days=n), by_day.get((first + timedelta(days=n)).isoformat(), Sums()))
        for n in range(days)
    ]


class LedgerSpend:
    """This month's spend and every reply's record, read from a ledger (what budgets need;
    also usable without a server connection, as ``gpt-tui usage`` does)."""

    def __init__(
        self,
        ledger: UsageLedger | None,
        now: Callable[[], datetime],
        *,
        build_for_totals: bool = True,
    ) -> None:
        """``build_for_totals`` false: :meth:`month_totals` never builds a missing log (the
        app builds it in a worker) and counts from the per-day totals meanwhile."""
        self._ledger = ledger
        self._now = now
        self._build_for_totals = build_for_totals

    def replies(self, *, rebuild: bool = False) -> list[ReplyRecord]:
        """Every reply's record from the ledger, the log built first when missing (slow
        once for a large history: see :meth:`UsageLedger.replies`)."""
        if self._ledger is None:
            return []
        return self._ledger.replies(rebuild=rebuild)

    def month_totals(self, profile: str | None = None, default_profile: str | None = None) -> Sums:
        """This calendar month's replies (local time): every profile's, or only those
        through ``profile`` (a reply saved with no profile went through
        ``default_profile``)."""
        now = self._now().astimezone()
        if self._ledger is None:
            return Sums()
        ledger = self._ledger
        records = ledger.replies() if self._build_for_totals else ledger.replies_if_built()
        if records is None:  # no log yet: the per-day totals, all profiles (titles included)
            if profile is not None:
                return Sums()
            month = self._ledger.month(now.date())
            return Sums(cost=month.cost, unpriced=month.unpriced)
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()
        sums = Sums()
        for record in records:
            if record.ts < start:
                continue
            if profile is not None and (record.profile or default_profile) != profile:
                continue
            sums.add(record)
        return sums


@dataclass(frozen=True, slots=True)
class UsageOverview:
    """What the usage screen shows: cost per day for the last days, the models and the
    conversations that cost most over them, and this month against the budgets."""

    days: list[tuple[date, Sums]]
    total: Sums
    models: list[ReportRow]
    conversations: list[ReportRow]


def overview(
    records: list[ReplyRecord],
    today: date,
    titles: Mapping[str, str],
    *,
    days: int = DEFAULT_DAYS,
    top: int = 8,
    zone: tzinfo | None = None,
) -> UsageOverview:
    """The usage screen's figures over the ``days`` days up to ``today``."""
    first = today - timedelta(days=days - 1)
    by_model = spend_report(records, "model", since=first, until=today, zone=zone)
    by_chat = spend_report(
        [r for r in records if r.conversation_id is not None],
        "conversation",
        since=first,
        until=today,
        zone=zone,
        titles=titles,
    )
    return UsageOverview(
        days=daily_costs(records, today, days, zone),
        total=by_model.total,
        models=by_model.rows[:top],
        conversations=by_chat.rows[:top],
    )
