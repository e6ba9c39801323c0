"""The per-reply usage log, spend grouped for ``gpt-tui usage``, and monthly budgets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message, Timing, Usage
from gpt_tui.core.service.budget import BudgetService
from gpt_tui.core.service.events import TurnPlan
from gpt_tui.core.service.spending import (
    GROUPINGS,
    LedgerSpend,
    Sums,
    daily_costs,
    spend_report,
)
from gpt_tui.core.store.datadir import DataDir
from gpt_tui.core.store.ledger import UsageLedger
from gpt_tui.core.store.reply_log import COST_REPORTED, ReplyLog, ReplyRecord, records_of
from tests.fakes import FrozenClock, RecordingProvider, Script, write_config
from tests.unit.test_chat_service import make_services

AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def record(key: str, **changes: object) -> ReplyRecord:
    base: dict[str, object] = {
        "key": key,
        "ts": AT.timestamp(),
        "conversation_id": "c1",
        "model": "gpt-4o-mini",
        "profile": None,
        "input_tokens": 100,
        "output_tokens": 20,
        "cost": Decimal("0.0012"),
    }
    when = changes.pop("at", None)
    if isinstance(when, datetime):
        base["ts"] = when.timestamp()
    base.update(changes)
    return ReplyRecord(**base)  # type: ignore[arg-type]


# -- the log ----------------------------------------------------------------------------


def test_a_record_survives_its_line_exactly() -> None:
    original = record(
        "m1",
        profile="work",
        cached_tokens=30,
        reasoning_tokens=7,
        cost=Decimal("0.000012345678901234"),
        cost_source=COST_REPORTED,
        estimated=True,
    )
    assert ReplyRecord.from_line(original.to_line()) == original
    unpriced = record("m2", cost=None)
    assert ReplyRecord.from_line(unpriced.to_line()).cost is None


def test_the_last_line_of_a_key_wins_and_a_torn_line_is_skipped(tmp_path: Path) -> None:
    log = ReplyLog(tmp_path / "replies.jsonl")
    log.write_all([record("a"), record("b")])
    with (tmp_path / "replies.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"k":"c","t":17')  # a crash mid-append
    log.append(record("a", output_tokens=99))  # a continued reply, written again
    records = {r.key: r for r in log.read() or []}
    assert set(records) == {"a", "b"}
    assert records["a"].output_tokens == 99
    assert log.skipped == 1
    assert (tmp_path / "replies.jsonl").stat().st_mode & 0o777 == 0o600


def conversation_with_replies(model: str, costs: list[Decimal | None]) -> Conversation:
    messages: list[Message] = []
    for number, cost in enumerate(costs):
        messages.append(Message(role="user", content=f"q{number}", created_at=AT))
        messages.append(
            Message(
                role="assistant",
                content="a",
                created_at=AT,
                model=model,
                usage=Usage(10, 5, cached_tokens=2, reasoning_tokens=1),
                cost=cost,
                timing=Timing(0.1, 1.0),
            )
        )
    return Conversation(params=Params(model=model, profile="work"), messages=messages)


def test_a_missing_log_is_built_from_the_conversations(tmp_path: Path) -> None:
    data = DataDir.open(tmp_path)
    first = conversation_with_replies("gpt-4o", [Decimal("0.5"), None])
    data.store.save(first)
    records = data.ledger.replies()
    assert sorted(r.key for r in records) == sorted(
        m.id for m in first.tree.all() if m.usage is not None
    )
    assert {r.profile for r in records} == {"work"}
    assert records == list(records_of(first))
    assert (tmp_path / "replies.jsonl").exists()
    # From now on a recorded reply is appended, and read back with the others.
    data.ledger.record(AT, 15, Decimal(1), reply=record("new"))
    assert len(data.ledger.replies()) == 3


async def test_each_reply_of_a_chat_is_logged_once_with_its_usage(tmp_path: Path) -> None:
    ledger = UsageLedger(tmp_path / "totals.json")
    ReplyLog(tmp_path / "replies.jsonl").write_all([])
    provider = RecordingProvider(
        [Script(["Hi"], usage=Usage(7, 2, cached_tokens=3)), Script(["Yo"], usage=Usage(9, 4))]
    )
    services = make_services(tmp_path, provider, ledger=ledger)
    conversation = services.chat.new_conversation()
    first = await services.chat.run(conversation, TurnPlan.send("one"), lambda _: None)
    second = await services.chat.run(conversation, TurnPlan.send("two"), lambda _: None)
    records = {r.key: r for r in ledger.replies()}
    assert set(records) == {first.id, second.id}
    assert records[first.id].input_tokens == 7
    assert records[first.id].cached_tokens == 3
    assert records[first.id].cost == first.cost
    assert records[second.id].conversation_id == conversation.id


# -- grouping ---------------------------------------------------------------------------

costs = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=100, places=8, allow_nan=False, allow_infinity=False),
)
records_strategy = st.lists(
    st.builds(
        ReplyRecord,
        key=st.uuids().map(str),
        ts=st.datetimes(
            min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
        ).map(datetime.timestamp),
        conversation_id=st.sampled_from(["c1", "c2", "c3", None]),
        model=st.sampled_from(["gpt-4o", "gpt-4o-mini", "llama"]),
        profile=st.sampled_from([None, "work", "home"]),
        input_tokens=st.integers(0, 10**6),
        cached_tokens=st.integers(0, 10**5),
        output_tokens=st.integers(0, 10**5),
        reasoning_tokens=st.integers(0, 10**4),
        cost=costs,
    ),
    max_size=40,
)


def _summed(rows: list[Sums]) -> Sums:
    total = Sums()
    for sums in rows:
        total.merge(sums)
    return total


@settings(max_examples=150, deadline=None)
@given(records_strategy)
def test_any_replies_sum_the_same_whichever_the_grouping(records: list[ReplyRecord]) -> None:
    zone = timezone(timedelta(hours=-7))
    expected_cost = sum((r.cost for r in records if r.cost is not None), Decimal(0))
    for by in GROUPINGS:
        report = spend_report(records, by, zone=zone)
        assert report.total.cost == expected_cost  # exactly: Decimal all the way
        assert report.total.unpriced == sum(1 for r in records if r.cost is None)
        assert report.total.output_tokens == sum(r.output_tokens for r in records)
        assert _summed([row.sums for row in report.rows]) == report.total


def test_a_day_is_the_local_day_and_the_span_is_inclusive() -> None:
    zone = timezone(timedelta(hours=-5))
    late = record("a", at=datetime(2026, 11, 22, 3, 0, tzinfo=UTC))  # the 21st in zone
    report = spend_report(
        [late, record("b")], "day", since=date(2026, 11, 21), until=date(2026, 11, 21), zone=zone
    )
    assert [row.key for row in report.rows] == ["2026-11-21"]
    assert report.total.replies == 1


def test_weeks_months_and_the_most_expensive_first() -> None:
    cheap = record("a", model="cheap", cost=Decimal("0.01"))
    dear = record("b", model="dear", cost=Decimal("2"))
    unknown = record("c", model="local", cost=None)
    by_model = spend_report([cheap, unknown, dear], "model")
    assert [row.key for row in by_model.rows] == ["dear", "cheap", "local"]
    assert by_model.rows[-1].sums.unpriced == 1
    assert by_model.rows[-1].sums.cost == 0 and not by_model.rows[-1].sums.cost_known
    assert spend_report([cheap], "week", zone=UTC).rows[0].key == "2026-W47"
    assert spend_report([cheap], "month", zone=UTC).rows[0].key == "2026-11"
    assert spend_report([cheap], "profile").rows[0].label == "(default profile)"
    titled = spend_report([cheap], "conversation", titles={"c1": "Trip plans"})
    assert titled.rows[0].label == "Trip plans"


def test_daily_costs_has_every_day_even_empty_ones() -> None:
    days = daily_costs([record("a")], date(2026, 11, 23), days=3, zone=UTC)
    assert [d.isoformat() for d, _ in days] == ["2026-11-21", "2026-11-22", "2026-11-23"]
    assert [s.cost for _, s in days] == [0, Decimal("0.0012"), 0]


# -- budgets ----------------------------------------------------------------------------


def budget_over(tmp_path: Path, spent: Decimal, limit: str, **profiles: str) -> BudgetService:
    ledger = UsageLedger(tmp_path / "totals.json")
    ReplyLog(tmp_path / "replies.jsonl").write_all([])
    ledger.record(AT, 100, spent, reply=record("spent", cost=spent))
    earlier = AT.replace(day=1) - timedelta(days=1)  # last month: not counted
    ledger.record(earlier, 100, spent, reply=record("old", cost=spent, at=earlier))
    clock = FrozenClock(AT + timedelta(hours=1))
    return BudgetService(
        LedgerSpend(ledger, clock),
        Decimal(limit),
        {k: Decimal(v) for k, v in profiles.items()},
        default_profile="default",
        now=clock,
    )


def test_a_send_that_may_pass_the_budget_asks_first(tmp_path: Path) -> None:
    budget = budget_over(tmp_path, Decimal("19.50"), "20")
    assert budget.check(Decimal("0.10"), None).question is None
    verdict = budget.check(Decimal("0.60"), None)
    assert verdict.question is not None
    assert verdict.question.startswith("This may take you past your $20 monthly budget")
    assert "send anyway?" in verdict.question.lower()


def test_past_80_percent_warns_once_a_month(tmp_path: Path) -> None:
    budget = budget_over(tmp_path, Decimal("17"), "20")
    first = budget.check(Decimal("0.01"), None)
    assert first.warning is not None and "85 %" in first.warning
    assert budget.check(Decimal("0.01"), None).warning is None


def test_an_unknown_max_cost_asks_only_once_the_budget_is_spent(tmp_path: Path) -> None:
    assert not budget_over(tmp_path, Decimal("1"), "20").check(None, None).ask
    assert budget_over(tmp_path / "b", Decimal("20"), "20").check(None, None).ask


def test_a_profile_budget_counts_that_profiles_replies_only(tmp_path: Path) -> None:
    ledger = UsageLedger(tmp_path / "totals.json")
    ReplyLog(tmp_path / "replies.jsonl").write_all([])
    ledger.record(AT, 1, Decimal(4), reply=record("w", profile="work", cost=Decimal(4)))
    ledger.record(AT, 1, Decimal(50), reply=record("h", profile="home", cost=Decimal(50)))
    clock = FrozenClock(AT)
    budget = BudgetService(
        LedgerSpend(ledger, clock), None, {"work": Decimal(5)}, default_profile="home", now=clock
    )
    [status] = budget.statuses("work")
    assert status.spent == Decimal(4) and status.scope == "profile work"
    assert budget.check(Decimal("0.5"), "work").question is None
    assert budget.check(Decimal("2"), "work").question is not None
    assert budget.check(Decimal("1000"), None).question is None  # home has no budget


def test_budgets_in_config_are_checked_with_file_and_line(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        '[budget]\nmonthly_usd = 20\n\n[profiles.work]\nbase_url = "http://h/v1"\n'
        "monthly_usd = 0\n",
    )
    loaded, problems = load_settings(path, {})
    assert loaded.budget.monthly_usd == Decimal(20)
    assert [(p.line, p.key) for p in problems] == [(6, "profiles.work.monthly_usd")]
    assert "greater than 0" in problems[0].message
    path.write_text("[budget]\nmonthly = 20\n", encoding="utf-8")
    _, problems = load_settings(path, {})
    assert problems[0].key == "budget.monthly" and problems[0].line == 2


def test_the_app_never_builds_the_log_for_a_budget_check(tmp_path: Path) -> None:
    """Building opens every conversation: the app does it in a worker, and counts from the
    per-day totals until then (all profiles; a profile's own spend is not known yet)."""
    data = DataDir.open(tmp_path)
    data.store.save(conversation_with_replies("gpt-4o", [Decimal(3)]))
    data.ledger.record(AT, 15, Decimal(3))
    clock = FrozenClock(AT)
    app_side = LedgerSpend(data.ledger, clock, build_for_totals=False)
    assert app_side.month_totals().cost == Decimal(3)
    assert app_side.month_totals("work").cost == 0
    assert not (tmp_path / "replies.jsonl").exists()
    assert len(app_side.replies()) == 1  # what the worker does
    assert app_side.month_totals("work", "default").cost == Decimal(3)
