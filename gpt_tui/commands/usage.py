"""``gpt-tui usage``: what was spent, grouped by day, week, month, model, profile or
conversation, with the tokens beside the cost, from the usage ledger's per-reply log
(rebuilt from the conversations when missing).

Costs are exact decimals; a reply whose price is unknown is counted as "unpriced", never
as $0. ``--json`` and ``--csv`` are for scripts. Exit codes as for the other commands: 0
done, 1 an error, 2 bad usage.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, cast

from gpt_tui.commands.conversations import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _err, _out, safe_line
from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.service.budget import BudgetService, BudgetStatus
from gpt_tui.core.service.spending import (
    GROUPINGS,
    TIME_GROUPINGS,
    Grouping,
    LedgerSpend,
    SpendReport,
    Sums,
    default_since,
    spend_report,
)
from gpt_tui.core.store.datadir import DataDir
from gpt_tui.paths import HOME_ENV, Paths

COLUMNS = ("replies", "input", "cached", "output", "reasoning", "cost")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gpt-tui usage",
        description=(
            "What your replies used and cost, from the usage saved with them: by day for the "
            "last 30 days unless told otherwise. Costs the server reported are used instead "
            "of the computed price; a reply whose price is unknown is counted as unpriced, "
            'never as $0 (set [models."NAME"] input_price/output_price to price it).'
        ),
    )
    parser.add_argument(
        "--by", choices=GROUPINGS, default="day", help="how to group the spend (default: day)"
    )
    parser.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="from this day")
    parser.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="to this day (incl.)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument("--csv", action="store_true", help="print the report as CSV")
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="count again from the conversations first (the log is rebuilt if missing anyway)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help=f"use the conversations under DIR/data (default: platform dirs, or ${HOME_ENV})",
    )
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def run(command: str, argv: list[str], env: Mapping[str, str]) -> int:
    """Run ``gpt-tui usage <argv...>``; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    by = cast(Grouping, args.by)
    if args.since and args.until and args.since > args.until:
        _err("gpt-tui usage: --since is after --until")
        return EXIT_USAGE
    paths = Paths.resolve(args.data_dir, env)
    data = DataDir.open(paths.data_dir)
    problem = data.store.readable()
    if problem is not None:
        _err(f"gpt-tui usage: {problem}")
        return EXIT_FAILED
    today = datetime.now().astimezone().date()
    since = args.since or (None if args.until else default_since(by, today))
    try:
        records = data.ledger.replies(rebuild=args.rebuild)
    except OSError as exc:
        _err(f"gpt-tui usage: could not read the usage log: {exc}")
        return EXIT_FAILED
    titles: dict[str, str] = {}
    if by == "conversation":
        titles = {s.id: s.title for s in data.store.list_summaries()}
    report = spend_report(records, by, since=since, until=args.until, titles=titles)
    budgets = _budgets(paths, env, data)
    for notice in [*data.ledger.notices, *data.store.take_notices()]:
        _err(f"note: {notice}")
    data.close()
    if args.json:
        _out(json.dumps(_as_json(report, budgets), indent=2, ensure_ascii=False))
    elif args.csv:
        _print_csv(report)
    else:
        _print_table(report, budgets)
    return EXIT_OK


def _budgets(paths: Paths, env: Mapping[str, str], data: DataDir) -> list[BudgetStatus]:
    """This month's budgets from config.toml (none when it sets none)."""
    settings, _problems = load_settings(paths.config_file, env)
    usage = LedgerSpend(data.ledger, datetime.now)
    budget = BudgetService(usage, None, {}, default_profile=None, now=datetime.now)
    budget.use(settings)
    statuses = budget.statuses(None)
    seen = {status.scope for status in statuses}
    for name in settings.profiles:
        for status in budget.statuses(name):
            if status.scope not in seen:
                seen.add(status.scope)
                statuses.append(status)
    return statuses


def exact_money(amount: Decimal) -> str:
    """``amount`` USD to the micro-dollar, e.g. "$0.012345", "$12.50" (at least cents)."""
    rounded = amount.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP).normalize()
    text = f"{rounded:,f}"
    whole, _, fraction = text.partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"


def cost_text(sums: Sums) -> str:
    """The cost cell: the priced replies' sum, and how many were unpriced; "unknown"
    when none was priced; "*" marks costs the server reported."""
    if sums.replies and sums.unpriced == sums.replies:
        return "unknown"
    text = exact_money(sums.cost) + ("*" if sums.reported else "")
    return text + (f" + {sums.unpriced} unpriced" if sums.unpriced else "")


def _title(report: SpendReport) -> str:
    span = f"{report.since or 'the start'} to {report.until or 'today'}"
    return f"Spend by {report.by}, {span}" + (
        " (local time)" if report.by in TIME_GROUPINGS else ""
    )


def _print_table(report: SpendReport, budgets: list[BudgetStatus]) -> None:
    _out(_title(report))
    header = (report.by, *COLUMNS)
    rows = [(safe_line(row.label)[:48], *_cells(row.sums)) for row in report.rows]
    total = ("total", *_cells(report.total))
    width = [max(len(str(r[i])) for r in (header, *rows, total)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(width[0])
        rest = (cell.rjust(width[i + 1]) for i, cell in enumerate(cells[1:]))
        return "  ".join((first, *rest)).rstrip()

    _out(line(header))
    for cells in rows:
        _out(line(cells))
    if not rows:
        _out("(no replies in this span)")
    _out(line(total))
    if report.total.reported:
        _out(f"* includes {report.total.reported} cost(s) reported by the server")
    if report.total.unpriced:
        _out(
            f"{report.total.unpriced} reply(ies) used a model with no known price; "
            "`gpt-tui doctor` says how to set one."
        )
    for status in budgets:
        _out(f"Budget: {status.line()}")


def _cells(sums: Sums) -> tuple[str, ...]:
    return (
        f"{sums.replies:,}",
        f"{sums.input_tokens:,}",
        f"{sums.cached_tokens:,}",
        f"{sums.output_tokens:,}",
        f"{sums.reasoning_tokens:,}",
        cost_text(sums),
    )


def _sums_json(sums: Sums) -> dict[str, Any]:
    priced = sums.replies - sums.unpriced
    return {
        "replies": sums.replies,
        "input_tokens": sums.input_tokens,
        "cached_tokens": sums.cached_tokens,
        "output_tokens": sums.output_tokens,
        "reasoning_tokens": sums.reasoning_tokens,
        "cost_usd": str(sums.cost) if priced or not sums.replies else None,
        "unpriced_replies": sums.unpriced,
        "cost_reported_by_server": sums.reported,
    }


def _as_json(report: SpendReport, budgets: list[BudgetStatus]) -> dict[str, Any]:
    return {
        "by": report.by,
        "since": None if report.since is None else report.since.isoformat(),
        "until": None if report.until is None else report.until.isoformat(),
        "rows": [
            {"key": row.key, "label": row.label, **_sums_json(row.sums)} for row in report.rows
        ],
        "total": _sums_json(report.total),
        "budgets": [
            {
                "scope": status.scope,
                "monthly_usd": str(status.limit),
                "spent_this_month_usd": str(status.spent),
                "unpriced_replies": status.unpriced,
            }
            for status in budgets
        ],
    }


def _print_csv(report: SpendReport) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    fields = list(_sums_json(Sums()))
    writer.writerow([report.by, "label", *fields])
    for key, label, sums in [(r.key, r.label, r.sums) for r in report.rows] + [
        ("total", "", report.total)
    ]:
        values = _sums_json(sums)
        writer.writerow([key, safe_line(label), *("" if v is None else v for v in values.values())])
