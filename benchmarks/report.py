"""The results table: median and min–max of the runs, next to the targets of the issue."""

from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from benchmarks.context import Sizes
from benchmarks.suite import Results

Format = Callable[[float], str]


def seconds(value: float) -> str:
    """Seconds, as ms below one second."""
    if math.isinf(value):
        return "not settled"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def cpu(value: float) -> str:
    """CPU seconds."""
    return f"{value:.2f} s"


def percent(value: float) -> str:
    """A fraction of one core."""
    return f"{value * 100:.1f} %"


def megabytes(value: float) -> str:
    """MiB."""
    return f"{value:.0f} MB"


def kilobytes(value: float) -> str:
    """kB."""
    return f"{value:.1f} kB"


def per_second(value: float) -> str:
    """A rate."""
    return f"{value:.0f} /s"


def count(value: float) -> str:
    """A whole number of things."""
    return f"{value:.0f}"


def ratio(value: float) -> str:
    """A ratio."""
    return f"{value:.1f}×"


@dataclass(frozen=True)
class Row:
    """One line of the table: a metric (or a figure derived from two), and its target."""

    label: str
    scenario: str
    key: str
    show: Format
    target: float | None = None
    target_text: str = ""
    derive: Callable[[dict[str, float]], float] | None = None
    """For derived rows: the value from the medians of other metrics."""
    sized: bool = False
    """Whether the figure depends on the workload size (no verdict at ``--quick`` sizes)."""


def rows(sizes: Sizes) -> list[Row]:
    """The table's rows for these workload sizes."""
    r, big, paced = sizes.reply_tokens, sizes.big_reply_tokens, sizes.paced_tokens
    n, many, rate = sizes.long_messages, sizes.many_conversations, sizes.paced_rate
    corpus = f"{sizes.search_messages:,} messages in {sizes.search_conversations:,} chats"
    linear = big / r
    s = seconds
    search_rows = [
        Row(f"9. search, {corpus}: query as typed, median", "search", "search_median", s),
        Row("  slowest query of the typed prefixes", "search", "search_max", s),
        Row("  building the index from the files (once)", "search", "search_build", s),
        Row("  index size on disk", "search", "search_size_mb", megabytes),
    ]
    shell_rows = [
        Row("10. `gpt-tui ask hi` → request at server", "ask", "ask_request", s),
        Row("  floor: `python -c 'import openai'`, same run", "ask", "ask_floor", s),
        Row("  time ask adds to that floor", "ask", "ask_added", s, 0.3, "≤ 0.3 s"),
        Row(
            f"11. import a ChatGPT export of {sizes.import_conversations:,} chats (3 turns)",
            "import",
            "import_s",
            s,
            30,
            "≤ 30 s",
            sized=True,
        ),
        Row("  conversations imported per second", "import", "import_rate", per_second),
    ]
    spend = f"{sizes.usage_replies:,} replies in {sizes.usage_conversations:,} chats"
    usage_rows = [
        Row(
            f"12. `gpt-tui usage`, {spend} (whole process)",
            "usage",
            "usage_day",
            s,
            1,
            "≤ 1 s",
            sized=True,
        ),
        Row("  `gpt-tui usage --by conversation`", "usage", "usage_conversation", s, 1, "≤ 1 s"),
        Row("  building the usage log from the files (once)", "usage", "usage_build", s),
    ]
    return [
        Row("1. launch → first frame, prompt focused", "launch", "launch", s, 0.6, "≤ 0.6 s"),
        Row("  floor: `python -c 'import textual'`", "floor_import", "floor_import", s),
        Row("  floor: minimal Textual app → first frame", "floor_app", "floor_app", s),
        Row("2. first Enter → request at server", "launch", "send_first_frame", s, 0.3, "≤ 0.3 s"),
        Row("  same, Enter after the SDK preload", "reply", "reply_send", s, 0.3, "≤ 0.3 s"),
        Row(
            f"3. {r:,}-token reply: Enter → rendered", "reply", "reply_s", s, 2, "≤ 2 s", sized=True
        ),
        Row("  app CPU time meanwhile", "reply", "reply_cpu", cpu, 2, "≤ 2 s", sized=True),
        Row(
            "  same reply in 8-token chunks: Enter → rendered", "coarse_reply", "coarse_reply_s", s
        ),
        Row("  app CPU time meanwhile", "coarse_reply", "coarse_reply_cpu", cpu),
        Row(
            f"  same reply after {r // 2:,} tokens of reasoning: Enter → rendered",
            "reasoning_reply",
            "reasoning_reply_s",
            s,
        ),
        Row("  app CPU time meanwhile", "reasoning_reply", "reasoning_reply_cpu", cpu),
        Row(
            "  time ratio to the plain reply",
            "reasoning_reply",
            "reasoning_ratio",
            ratio,
            1.5,
            "≤ 1.5×",
            derive=lambda m: m["reasoning_reply_s"] / m["reply_s"],
        ),
        Row(
            f"4. {big:,}-token reply: Enter → rendered",
            "big_reply",
            "big_reply_s",
            s,
            2 * linear,
            f"≤ {2 * linear:.0f} s",
            sized=True,
        ),
        Row(
            "  app CPU time meanwhile",
            "big_reply",
            "big_reply_cpu",
            cpu,
            2 * linear,
            f"≤ {2 * linear:.0f} s",
            sized=True,
        ),
        Row(
            f"  time ratio to {r:,} tokens (linear: {linear:.0f}×)",
            "big_reply",
            "big_ratio",
            ratio,
            linear,
            f"≤ {linear:.0f}×",
            derive=lambda m: m["big_reply_s"] / m["reply_s"],
        ),
        Row(
            f"5. {paced:,} tokens at {rate:.0f} tok/s: last token sent → on screen",
            "paced",
            "paced_lag",
            s,
            0.2,
            "≤ 0.2 s",
        ),
        Row(
            f"  app CPU use while streaming at {rate:.0f} tok/s (% of a core)",
            "paced",
            "paced_cpu",
            percent,
        ),
        Row("  frames written per second meanwhile", "paced", "paced_fps", per_second),
        Row(
            f"5b. compare: two {r:,}-token replies side by side, Enter → both rendered",
            "compare_reply",
            "compare_reply_s",
            s,
        ),
        Row("  app CPU time meanwhile", "compare_reply", "compare_reply_cpu", cpu),
        Row(
            "  time ratio to one reply alone (row 3)",
            "compare_reply",
            "compare_ratio",
            ratio,
            2.5,
            "≤ 2.5×",
            derive=lambda m: m["compare_reply_s"] / m["reply_s"],
        ),
        Row(
            f"5c. compare: four columns of {paced // 2:,} tokens at {rate:.0f} tok/s each: "
            "slowest last token → on screen",
            "compare_paced",
            "compare_paced_lag",
            s,
            0.2,
            "≤ 0.2 s",
        ),
        Row(
            "  app CPU use while the four stream (% of a core)",
            "compare_paced",
            "compare_paced_cpu",
            percent,
        ),
        Row(
            "6. key → shown in prompt while streaming, median",
            "paced",
            "typing_median",
            s,
            0.05,
            "≤ 50 ms",
        ),
        Row("  slowest key of the run", "paced", "typing_max", s, 0.05, "≤ 50 ms"),
        Row("1 MB typed without bracketed paste → shown", "big_draft", "big_paste", s),
        Row(
            "  keys per second into that one-line draft", "big_draft", "big_keys_per_s", per_second
        ),
        Row("  then ctrl+q → exited", "big_draft", "big_quit", s),
        Row(
            f"7. open {n:,}-message conversation: Enter → shown",
            "open_long",
            "open_long",
            s,
            0.3,
            "≤ 0.3 s",
            sized=True,
        ),
        Row("  Enter → app settled (CPU < 10 % over 1 s)", "open_long", "open_settled", s),
        Row(f"  launch with {many:,} saved conversations", "launch_many", "launch_many", s),
        Row(
            f"  launch time added by {many:,} conversations",
            "launch_many",
            "many_delta",
            s,
            0.1,
            "≤ 0.1 s",
            derive=lambda m: m["launch_many"] - m["launch"],
            sized=True,
        ),
        Row(
            f"8. idle CPU over {sizes.idle_seconds:.0f} s, {n:,} messages shown, "
            "10 s after the last key (% of a core)",
            "open_long",
            "idle_cpu",
            percent,
            0.01,
            "≈ 0 (≤ 1 %)",
            sized=True,
        ),
        Row(
            "  peak RSS, new chat with one short reply",
            "launch",
            "launch_rss",
            megabytes,
            120,
            "≤ 120 MB",
        ),
        Row(
            f"  peak RSS, {big:,}-token reply",
            "big_reply",
            "big_reply_rss",
            megabytes,
            120,
            "≤ 120 MB",
            sized=True,
        ),
        Row(
            f"  peak RSS, {n:,}-message conversation",
            "open_long",
            "long_rss",
            megabytes,
            120,
            "≤ 120 MB",
            sized=True,
        ),
        *search_rows,
        *shell_rows,
        *usage_rows,
        Row("13. launch → first frame, no MCP server", "mcp_none", "mcp_none_launch", s),
        Row("  same, three MCP servers started after it", "mcp_three", "mcp_three_launch", s),
        Row(
            "  idle CPU (app and children), no MCP server",
            "mcp_none",
            "mcp_none_idle_cpu",
            percent,
        ),
        Row("  child processes running", "mcp_three", "mcp_three_processes", count),
        Row(
            "  idle CPU (app and children), three MCP servers",
            "mcp_three",
            "mcp_three_idle_cpu",
            percent,
            0.01,
            "≈ 0 (≤ 1 %)",
        ),
        Row("14. 20 MB photo: Enter → request at server", "attach", "attach_send", s),
        Row("  key typed meanwhile → shown", "attach", "attach_key", s, 0.05, "≤ 50 ms"),
        Row("  request size (photo scaled, base64)", "attach", "attach_request_mb", megabytes),
        Row("  conversation file size", "attach", "attach_file_kb", kilobytes),
    ]


def _cell(
    results: Results, row: Row, medians: dict[str, float], quick: bool
) -> tuple[str, str, str, str]:
    """Median, min–max, runs and verdict cells of one row."""
    if row.derive is not None:
        try:
            value = row.derive(medians)
        except (KeyError, ZeroDivisionError):
            return "—", "", "", "not measured"
        return row.show(value), "", "", _verdict(row, value, quick)
    values = results.values.get(row.key, [])
    failures = results.failures.get(row.scenario, [])
    runs = f"{len(values)}/{results.runs.get(row.scenario, 0)}"
    if not values:
        return (failures[0] if failures else "not run"), "", runs, "not measured"
    spread = f"{row.show(min(values))} – {row.show(max(values))}" if len(values) > 1 else ""
    median = medians[row.key]
    return row.show(median), spread, runs, _verdict(row, median, quick)


def _verdict(row: Row, value: float, quick: bool) -> str:
    if row.target is None:
        return ""
    if quick and row.sized:
        return "(full sizes only)"
    return "met" if value <= row.target else "**missed**"


def table(results: Results, sizes: Sizes, *, quick: bool = False) -> str:
    """The results as a Markdown table."""
    medians = {k: statistics.median(v) for k, v in results.values.items() if v}
    lines = [
        "| measurement | median | min – max | runs | target | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows(sizes):
        if row.scenario not in results.runs:
            continue  # not selected with --only
        median, spread, runs, verdict = _cell(results, row, medians, quick)
        lines.append(
            f"| {row.label} | {median} | {spread} | {runs} | {row.target_text} | {verdict} |"
        )
    failed = {name: reasons for name, reasons in results.failures.items() if reasons}
    if failed:
        lines.append("")
        for name, reasons in failed.items():
            lines.append(f"Failed runs of {name}: {', '.join(reasons)}")
    return "\n".join(lines)


def machine() -> str:
    """One line about the machine and the versions measured."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"Textual {version('textual')}, Rich {version('rich')}, openai {version('openai')}"
    )
