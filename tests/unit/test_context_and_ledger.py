"""Context strategies (which history is sent) and the per-day usage ledger."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import ErrorInfo, Message, MessageStatus
from gpt_tui.core.planning.context import select_history, turns_of
from gpt_tui.core.store.ledger import Totals, UsageLedger


def conversation(turns: int) -> list[Message]:
    messages: list[Message] = []
    for i in range(turns):
        messages.append(Message("user", f"q{i}", id=f"u{i}"))
        messages.append(Message("assistant", f"a{i}", id=f"a{i}"))
    return messages


def words(m: Message) -> int:
    return 10


def test_everything_is_sent_by_default() -> None:
    history = conversation(3)
    selection = select_history(Params(model="m"), history)
    assert selection.sent == history
    assert selection.dropped_ids == frozenset()


def test_last_turns_keeps_whole_turns() -> None:
    history = [*conversation(5), Message("user", "new", id="new")]
    params = Params(model="m", context="last_turns", context_turns=2)
    selection = select_history(params, history)
    assert [m.id for m in selection.sent] == ["u4", "a4", "new"]
    assert selection.dropped_ids == {"u0", "a0", "u1", "a1", "u2", "a2", "u3", "a3"}


def test_fit_drops_exactly_the_oldest_turns() -> None:
    history = [*conversation(5), Message("user", "new", id="new")]  # 11 messages x 10
    params = Params(model="m", context="fit", max_tokens=20)
    # window 85: base 5 + max_tokens 20 leaves 60 = six messages = new + 2.5 turns → 2 turns.
    selection = select_history(params, history, cost_of=words, base_cost=5, context_window=85)
    assert [m.id for m in selection.sent] == ["u3", "a3", "u4", "a4", "new"]
    assert selection.over_by == 0


def test_fit_reports_how_far_over_when_even_the_prompt_does_not_fit() -> None:
    history = [Message("user", "huge", id="huge")]
    params = Params(model="m", context="fit", max_tokens=50)
    selection = select_history(params, history, cost_of=words, base_cost=5, context_window=40)
    assert [m.id for m in selection.sent] == ["huge"]
    assert selection.over_by == 5 + 10 + 50 - 40


def test_failed_replies_are_neither_sent_nor_counted_as_dropped() -> None:
    history = conversation(1)
    history.append(
        Message("assistant", "", id="e", status=MessageStatus.ERROR, error=ErrorInfo("x"))
    )
    assert [t[0].id for t in turns_of(history)] == ["u0"]
    selection = select_history(Params(model="m", context="last_turns", context_turns=1), history)
    assert "e" not in selection.dropped_ids
    assert [m.id for m in selection.sent] == ["u0", "a0"]


def test_prompts_that_got_no_reply_are_not_sent_again() -> None:
    failed = Message("assistant", "", id="e1", status=MessageStatus.ERROR, error=ErrorInfo("x"))
    empty_stop = Message("assistant", "", id="s2", status=MessageStatus.STOPPED)
    history = [
        *conversation(1),
        Message("user", "too long", id="f1"),
        failed,
        Message("user", "no key", id="f2"),
        empty_stop,
        Message("user", "new", id="new"),
    ]
    selection = select_history(Params(model="m"), history)
    assert [m.id for m in selection.sent] == ["u0", "a0", "new"]
    assert {"f1", "f2"} <= selection.dropped_ids


def test_the_prompt_being_answered_again_is_sent_even_after_a_failure() -> None:
    history = [
        *conversation(1),
        Message("user", "again", id="p"),
        Message("assistant", "", id="e", status=MessageStatus.ERROR, error=ErrorInfo("x")),
    ]
    assert [m.id for m in select_history(Params(model="m"), history).sent] == ["u0", "a0", "p"]


def test_ledger_sums_per_day_and_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "totals.json"
    ledger = UsageLedger(path)
    day = datetime(2026, 11, 22, 12, tzinfo=UTC)
    ledger.record(day, 100, Decimal("0.0012"))
    ledger.record(day, 50, None)
    ledger.record(day - timedelta(days=3), 10, Decimal("1.5"))
    again = UsageLedger(path)
    today = again.day(day.astimezone().date())
    assert today == Totals(tokens=150, cost=Decimal("0.0012"), unpriced=1)
    assert again.all_time() == Totals(tokens=160, cost=Decimal("1.5012"), unpriced=1)
    assert path.stat().st_mode & 0o077 == 0


def test_corrupt_ledger_is_moved_aside_with_a_notice(tmp_path: Path) -> None:
    path = tmp_path / "totals.json"
    path.write_text('{"days": {"2026-11-22": {"tokens": "many"}}}', encoding="utf-8")
    ledger = UsageLedger(path)
    assert ledger.all_time() == Totals()
    assert ledger.notices
    assert not path.exists()
    [aside] = list(tmp_path.glob("totals.json.corrupt-*"))
    assert "many" in aside.read_text(encoding="utf-8")
    ledger.record(datetime(2026, 11, 22, tzinfo=UTC), 5, Decimal(1))
    assert json.loads(path.read_text(encoding="utf-8"))["days"]


def test_two_ledgers_on_one_file_add_up_instead_of_overwriting(tmp_path: Path) -> None:
    """Two gpt-tui processes on one data dir: each sees and keeps the other's totals."""
    when = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    first, second = UsageLedger(tmp_path / "totals.json"), UsageLedger(tmp_path / "totals.json")
    assert first.all_time().tokens == 0 and second.all_time().tokens == 0  # both cached empty
    first.record(when, 100, Decimal("0.01"))
    second.record(when, 50, Decimal("0.02"))
    first.record(when, 10, None)
    for ledger in (first, second, UsageLedger(tmp_path / "totals.json")):
        total = ledger.all_time()
        assert (total.tokens, total.cost, total.unpriced) == (160, Decimal("0.03"), 1)
