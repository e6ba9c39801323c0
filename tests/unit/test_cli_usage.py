"""``gpt-tui usage`` run as a user runs it: a subprocess over a data folder."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message, Timing, Usage
from gpt_tui.core.store.datadir import DataDir
from tests.cli import run_gpt_tui

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def reply(model: str, cost: str | None, tokens: tuple[int, int], **kw: object) -> Message:
    return Message(
        role="assistant",
        content="answer",
        created_at=NOW,
        model=model,
        usage=Usage(*tokens, cached_tokens=tokens[0] // 2),
        cost=None if cost is None else Decimal(cost),
        timing=Timing(0.1, 0.5),
        **kw,  # type: ignore[arg-type]
    )


def chat(title: str, model: str, replies: list[Message]) -> Conversation:
    messages: list[Message] = []
    for answer in replies:
        messages += [Message(role="user", content="q", created_at=NOW), answer]
    return Conversation(params=Params(model=model), title=title, messages=messages)


def seed(home: Path) -> tuple[Conversation, Conversation, Conversation]:
    data = DataDir.open(home / "data")
    mini = chat(
        "Mini chat",
        "gpt-4o-mini",
        [reply("gpt-4o-mini", "0.0001", (100, 10)), reply("gpt-4o-mini", "0.0002", (200, 20))],
    )
    big = chat(
        "Big chat",
        "gpt-4o",
        [
            reply("gpt-4o", "0.25", (1000, 500)),
            reply("gpt-4o", "0.0123", (5, 5), cost_reported=True),
        ],
    )
    local = chat("Local chat", "llama", [reply("llama", None, (50, 50))])
    for conversation in (mini, big, local):
        data.store.save(conversation)
    data.close()
    return mini, big, local


def test_usage_by_day_sums_every_reply_and_says_unknown_prices(tmp_path: Path) -> None:
    seed(tmp_path)
    result = run_gpt_tui(tmp_path, ["usage"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Spend by day, ")
    total = next(line for line in lines if line.startswith("total"))
    assert "$0.2626*" in total and "+ 1 unpriced" in total
    assert "1 cost(s) reported by the server" in result.stdout
    assert "no known price" in result.stdout and "$0.00" not in total


def test_usage_by_model_and_conversation(tmp_path: Path) -> None:
    seed(tmp_path)
    by_model = run_gpt_tui(tmp_path, ["usage", "--by", "model"]).stdout.splitlines()
    rows = [line.split()[0] for line in by_model[2:5]]
    assert rows == ["gpt-4o", "gpt-4o-mini", "llama"]
    assert by_model[4].endswith("unknown")
    by_chat = run_gpt_tui(tmp_path, ["usage", "--by", "conversation"]).stdout
    assert by_chat.index("Big chat") < by_chat.index("Mini chat") < by_chat.index("Local chat")


def test_usage_json_and_csv_parse_with_exact_sums(tmp_path: Path) -> None:
    write_budget = tmp_path / "config.toml"
    write_budget.write_text("[budget]\nmonthly_usd = 20\n", encoding="utf-8")
    mini, big, _ = seed(tmp_path)
    result = run_gpt_tui(tmp_path, ["usage", "--by", "model", "--json"])
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    expected = sum((m.cost or 0 for c in (mini, big) for m in c.tree.all()), Decimal(0))
    assert Decimal(report["total"]["cost_usd"]) == expected == Decimal("0.2626")
    assert report["total"]["unpriced_replies"] == 1
    assert report["total"]["input_tokens"] == 100 + 200 + 1000 + 5 + 50
    llama = next(row for row in report["rows"] if row["key"] == "llama")
    assert llama["cost_usd"] is None
    [budget] = report["budgets"]
    assert budget["monthly_usd"] == "20"
    month_start = NOW.astimezone().replace(day=1, hour=0, minute=0, second=0)
    if NOW.astimezone() >= month_start + timedelta(hours=2):  # not on a month's edge
        assert Decimal(budget["spent_this_month_usd"]) == expected
    table = run_gpt_tui(tmp_path, ["usage"]).stdout
    assert "Budget: $0.26 of $20 monthly budget" in table
    rows = list(csv.reader(io.StringIO(run_gpt_tui(tmp_path, ["usage", "--csv"]).stdout)))
    assert rows[0][:3] == ["day", "label", "replies"]
    assert rows[-1][0] == "total" and rows[-1][2] == "5"


def test_usage_with_bad_dates_is_a_usage_error(tmp_path: Path) -> None:
    result = run_gpt_tui(tmp_path, ["usage", "--since", "yesterday"])
    assert result.returncode == 2
    assert "not a date" in result.stderr
    result = run_gpt_tui(tmp_path, ["usage", "--since", "2026-02-01", "--until", "2026-01-01"])
    assert result.returncode == 2
    empty = run_gpt_tui(tmp_path, ["usage", "--by", "month"])
    assert empty.returncode == 0 and "(no replies in this span)" in empty.stdout


def test_doctor_names_each_model_used_without_a_price(tmp_path: Path) -> None:
    import io as _io

    from gpt_tui.commands.checklist import Report
    from gpt_tui.commands.price_check import check_unpriced_models
    from gpt_tui.paths import Paths

    seed(tmp_path)
    DataDir.open(tmp_path / "data").ledger.replies()  # the log, as `gpt-tui usage` builds it
    out = _io.StringIO()
    check_unpriced_models(Report(out), Paths.resolve(tmp_path, {}))
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("usage: llama has no price (1 reply counted as unpriced)")
    assert 'add [models."llama"] input_price = … and output_price = …' in out.getvalue()
    assert "gpt-4o" not in out.getvalue()
